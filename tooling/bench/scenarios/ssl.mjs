// Scenario "ssl": the mesh scenario's network (8 nodes, degree 4, one node broadcasts N small
// messages) in the same process with the same N, alternating plain TCP and TLS rounds
// (@p2p/ssl, one self-signed ECDSA P-256 certificate per node, TLS 1.3). Certificates and TLS
// handshakes happen while the network forms, before the clock starts: this measures steady-state
// throughput, the cost of encrypting every link.
import { generateCertificate, tlsTransport } from '@p2p/ssl';
import { alternatingRounds, roundRows } from './rounds.mjs';

export const name = 'ssl';
export const description = 'mesh throughput over SSL beside plaintext: 8 nodes (each dials i+1 and i+3 mod 8), one broadcasts N small messages';

/** Messages per round when -n is not given. */
const DEFAULT_MESSAGES = 2_000;

/** This scenario alternates its own rounds (`runs` of them): the runner calls it once. */
export const repeats = false;

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

export async function run({ messages = DEFAULT_MESSAGES, runs: ROUNDS = 3 }) {
  const ecMs = await certificateMs('ec', 20);
  const rsaMs = await certificateMs('rsa', 5);
  const rounds = await alternatingRounds(messages, ROUNDS, SSL);
  const { base: plaintext, variant: ssl, baseRuns: plaintextRuns, variantRuns: sslRuns } = rounds;
  return {
    messages,
    rounds: ROUNDS,
    plaintext,
    ssl,
    plaintextRuns,
    sslRuns,
    results: [
      ...roundRows({ messages, rounds: ROUNDS, names: ['Plaintext', 'SSL'], ratioGoal: '>= 0.9', ...rounds }),
      { label: 'certificate on the fly: ECDSA P-256 / RSA 2048 (median)', value: `${ecMs.toFixed(1)} / ${rsaMs.toFixed(1)}`, unit: 'ms' },
      { label: 'frame bytes per message (both, before TLS)', value: Math.round(ssl.bytesPerMessage), unit: 'B (all links, snappy)' },
    ],
  };
}
