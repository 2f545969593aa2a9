// Scenario "ssl": the mesh scenario's network (8 nodes, degree 4, one node broadcasts N small
// messages) in the same process with the same N, alternating plain TCP and TLS rounds
// (@p2p/ssl, one self-signed ECDSA P-256 certificate per node, TLS 1.3). Certificates and TLS
// handshakes happen while the network forms, before the clock starts: this measures steady-state
// throughput, the cost of encrypting every link.
import { generateCertificate, tlsTransport } from '@p2p/ssl';
import { runMesh, summarise } from './mesh.mjs';

export const name = 'ssl';
export const description = 'mesh throughput over SSL beside plaintext: 8 nodes (each dials i+1 and i+3 mod 8), one broadcasts N small messages';

const WARMUP = 200;
/** Messages per round when -n is not given. */
const DEFAULT_MESSAGES = 2_000;

/** This scenario alternates its own rounds (`runs` of them): the runner calls it once. */
export const repeats = false;

const SSL = { encryption: 'SSL', transport: tlsTransport };
const sum = (runs, key) => runs.reduce((total, r) => total + r[key], 0);
const median = (runs) => [...runs].sort((x, y) => x.messagesPerSecond - y.messagesPerSecond)[Math.floor(runs.length / 2)];

/** Median time of `rounds` self-signed certificates of `keyType`, in ms. */
async function certificateMs(keyType, rounds) {
  const times = [];
  for (let i = 0; i < rounds; i++) {
    const t0 = performance.now();
    await generateCertificate({ keyType });
    times.push(performance.now() - t0);
  }
  return times.sort((x, y) => x - y)[Math.floor(times.length / 2)];
}

export async function run({ messages = DEFAULT_MESSAGES, runs: ROUNDS = 3 }) {
  const ecMs = await certificateMs('ec', 20);
  const rsaMs = await certificateMs('rsa', 5);
  // A short unreported run of each first, so neither pays for the JIT warming up.
  await runMesh(Math.min(WARMUP, messages));
  await runMesh(Math.min(WARMUP, messages), SSL);

  const plaintextRuns = [];
  const sslRuns = [];
  for (let round = 0; round < ROUNDS; round++) {
    plaintextRuns.push(summarise(await runMesh(messages)));
    sslRuns.push(summarise(await runMesh(messages, SSL)));
  }
  const plaintext = median(plaintextRuns);
  const ssl = median(sslRuns);
  const range = (runs) => runs.map((r) => Math.round(r.messagesPerSecond)).sort((x, y) => x - y).join(' / ');
  return {
    messages,
    rounds: ROUNDS,
    plaintext,
    ssl,
    plaintextRuns,
    sslRuns,
    results: [
      { label: 'messages', value: messages, unit: `(each delivered to 7 nodes, same N for both; median of ${ROUNDS} alternating rounds)` },
      { label: 'Plaintext: messages/s delivered to every node', value: plaintext.messagesPerSecond, unit: 'msg/s' },
      { label: 'SSL:       messages/s delivered to every node', value: ssl.messagesPerSecond, unit: 'msg/s' },
      { label: 'SSL / Plaintext throughput', value: ssl.messagesPerSecond / plaintext.messagesPerSecond, unit: 'x', goal: '>= 0.9' },
      { label: 'lost / duplicate deliveries, every round: Plaintext, SSL', value: `${sum(plaintextRuns, 'lost')} / ${sum(plaintextRuns, 'duplicates')}, ${sum(sslRuns, 'lost')} / ${sum(sslRuns, 'duplicates')}` },
      { label: 'Plaintext: every round', value: range(plaintextRuns), unit: 'msg/s' },
      { label: 'SSL:       every round', value: range(sslRuns), unit: 'msg/s' },
      { label: 'Plaintext: latency p50 / p99', value: `${plaintext.p50Ms.toFixed(2)} / ${plaintext.p99Ms.toFixed(2)}`, unit: 'ms' },
      { label: 'SSL:       latency p50 / p99', value: `${ssl.p50Ms.toFixed(2)} / ${ssl.p99Ms.toFixed(2)}`, unit: 'ms' },
      { label: 'certificate on the fly: ECDSA P-256 / RSA 2048 (median)', value: `${ecMs.toFixed(1)} / ${rsaMs.toFixed(1)}`, unit: 'ms' },
      { label: 'frame bytes per message (both, before TLS)', value: Math.round(ssl.bytesPerMessage), unit: 'B (all links, snappy)' },
    ],
  };
}
