// Scenario "ssl-procs": the ssl scenario with one node per child process (real nodes do not
// share a thread): the mesh-procs network over plain TCP and over @p2p/ssl (TLS 1.3, each
// process its own self-signed ECDSA P-256 certificate), node 0 broadcasting N small messages
// (2,000 unless -n is given). Both networks are formed and warmed up as in mesh-procs, then take
// turns, `runs` rounds each (at least 5). In one process (the ssl scenario) every link's both TLS
// ends share one thread; here each end encrypts or decrypts in its own process, as deployed.
import { summarise } from './mesh.mjs';
import { alternatingNetworks, every, median } from './mesh-procs.mjs';

export const name = 'ssl-procs';
/** This scenario alternates its own rounds (`runs` of them, at least MIN_ROUNDS): the runner calls it once. */
export const repeats = false;
export const description = 'the mesh-procs network (8 nodes, one per child process) over SSL beside plaintext, alternating rounds; node 0 broadcasts N small messages';

const DEFAULT_MESSAGES = 2_000;
/** As the ssl scenario: single rounds vary by up to 2x on a shared machine. */
const MIN_ROUNDS = 5;

export async function run({ messages = DEFAULT_MESSAGES, runs = 3 }) {
  const rounds = Math.max(runs, MIN_ROUNDS);
  const pairs = (await alternatingNetworks('mesh', 'mesh-ssl', messages, rounds)).map(({ a, b }) => ({ plaintext: summarise(a), ssl: summarise(b) }));
  const of = (key, f) => median(pairs.map((p) => f(p[key])));
  const lostOrDuplicate = (key) => pairs.reduce((n, p) => n + p[key].lost + p[key].duplicates, 0);
  const results = [
    { label: 'SSL: messages/s delivered to every node (median)', value: of('ssl', (r) => r.messagesPerSecond), unit: 'msg/s', ratio: median(pairs.map((p) => p.ssl.messagesPerSecond / p.plaintext.messagesPerSecond)), goal: '>= 0.9' },
    { label: 'Plaintext: messages/s delivered to every node (median)', value: of('plaintext', (r) => r.messagesPerSecond), unit: 'msg/s' },
    { label: 'latency p50 / p99: Plaintext', value: `${of('plaintext', (r) => r.p50Ms).toFixed(2)} / ${of('plaintext', (r) => r.p99Ms).toFixed(2)}`, unit: 'ms' },
    { label: 'latency p50 / p99: SSL', value: `${of('ssl', (r) => r.p50Ms).toFixed(2)} / ${of('ssl', (r) => r.p99Ms).toFixed(2)}`, unit: 'ms' },
    {
      label: 'CPU per message, all 8 processes: Plaintext / SSL (median)',
      value: `${of('plaintext', (r) => r.cpuUsPerMessage).toFixed(0)} / ${of('ssl', (r) => r.cpuUsPerMessage).toFixed(0)}`,
      unit: 'µs',
      ratio: median(pairs.map((p) => p.plaintext.cpuUsPerMessage / p.ssl.cpuUsPerMessage)),
    },
    { label: 'lost or duplicate deliveries: Plaintext / SSL', value: `${lostOrDuplicate('plaintext')} / ${lostOrDuplicate('ssl')}`, unit: `of ${messages * 7 * rounds} each` },
    { label: 'SSL lost + duplicate deliveries', value: lostOrDuplicate('ssl'), unit: 'deliveries', goal: '= 0' },
    { label: 'rounds', value: rounds, unit: 'of each, alternating (medians; ratios: median of the pairs)' },
    { label: 'Plaintext: every round', value: every(pairs.map((p) => p.plaintext)), unit: 'msg/s' },
    { label: 'SSL: every round', value: every(pairs.map((p) => p.ssl)), unit: 'msg/s' },
  ];
  return { messages, rounds, pairs, results };
}
