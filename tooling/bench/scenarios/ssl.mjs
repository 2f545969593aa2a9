// Scenario "ssl": the mesh scenario's network (8 nodes, degree 4, one node broadcasts N small
// messages; N = 2,000 and 20,000 as the mesh goals unless -n is given) in the same process with
// the same N, alternating plain TCP and TLS rounds
// (@p2p/ssl, one self-signed ECDSA P-256 certificate per node, TLS 1.3). Certificates and TLS
// handshakes happen while the network forms, before the clock starts: this measures steady-state
// throughput, the cost of encrypting every link.
import { generateCertificate, tlsTransport } from '@p2p/ssl';
import { runBaseline } from './mesh.mjs';
import { alternate, alternatingRounds, roundRows } from './rounds.mjs';

export const name = 'ssl';
export const description = 'mesh throughput over SSL beside plaintext: 8 nodes (each dials i+1 and i+3 mod 8), one broadcasts N small messages';

/** Messages per round when -n is not given: the mesh scenario's sizes. */
const SIZES = [2_000, 20_000];

/**
 * This scenario alternates its own rounds (`runs` of them, at least MIN_ROUNDS): the runner
 * calls it once.
 */
export const repeats = false;
/** Single rounds of either vary by up to 2x on a shared machine; the median of 5 is steadier. */
const MIN_ROUNDS = 5;

const SSL = { encryption: 'SSL', transport: tlsTransport };

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

/**
 * The bare relay (mesh.mjs) over TCP and over TLS, alternating, `rounds` times each: the
 * throughput ratio Node's TLS leaves a relay that does nothing else, the reference for the mesh's.
 */
async function relayRounds(messages, rounds, tlsCertificate) {
  const { base, variant } = await alternate(messages, rounds, (n) => runBaseline(n), (n) => runBaseline(n, { tlsCertificate }));
  return { tcp: base.messagesPerSecond, tls: variant.messagesPerSecond };
}

export async function run({ messages, runs = 3 }) {
  const ROUNDS = Math.max(runs, MIN_ROUNDS);
  const sizes = messages === undefined ? SIZES : [messages];
  const ecMs = await certificateMs('ec', 20);
  const rsaMs = await certificateMs('rsa', 5);
  const { key, cert } = await generateCertificate({ keyType: 'ec' });
  const results = [];
  const bySize = [];
  for (const n of sizes) {
    const tag = sizes.length > 1 ? `N=${n.toLocaleString('en-US')}: ` : '';
    const rounds = await alternatingRounds(n, ROUNDS, SSL, { control: true });
    const relay = await relayRounds(n, ROUNDS, { key, cert });
    bySize.push({ messages: n, plaintext: rounds.base, ssl: rounds.variant, plaintextRuns: rounds.baseRuns, sslRuns: rounds.variantRuns, relay });
    results.push(
      ...roundRows({ messages: n, rounds: ROUNDS, names: ['Plaintext', 'SSL'], ratioGoal: '>= 0.9', tag, ...rounds }),
      { label: `${tag}bare relay (no protocol work): TLS / TCP messages/s (median)`, value: `${Math.round(relay.tls)} / ${Math.round(relay.tcp)}`, unit: 'msg/s', ratio: relay.tls / relay.tcp },
    );
  }
  results.push(
    { label: 'certificate on the fly: ECDSA P-256 / RSA 2048 (median)', value: `${ecMs.toFixed(1)} / ${rsaMs.toFixed(1)}`, unit: 'ms' },
    { label: 'frame bytes per message (both, before TLS)', value: Math.round(bySize[0].ssl.bytesPerMessage), unit: 'B (all links, snappy)' },
  );
  return { rounds: ROUNDS, sizes: bySize, results };
}
