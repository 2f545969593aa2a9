// Scenario "auth": what an authenticated subnet costs. The mesh scenario's network (8 nodes in
// one process, each dialing i+1 and i+3 mod 8; one node broadcasts N small messages) and the
// sync scenario's (one node sets N keys; time until all 8 hold all), each run in a plain subnet
// and in an authenticated one (`Protocol(subnet, 'Plaintext', { auth: true })`: every message
// signed by its originator with Ed25519 and verified by every node before it relays or delivers
// it), with the same N, in the same run. Handshakes (with their key proofs) happen while the
// network forms, before the clock starts.
import { Protocol } from '@p2p/base';
import { runMesh, summarise } from './mesh.mjs';
import { runSync } from './sync.mjs';
import { NODES } from './topology.mjs';

export const name = 'auth';
export const description = 'authenticated against plain subnets, same run and N: mesh broadcast (8 nodes, degree 4) and sync convergence';

/** Messages (and keys) when -n is not given. */
const DEFAULT_MESSAGES = 2_000;
const WARMUP = 200;

let warmedUp = false;

/** Node 0 broadcasts `messages` small messages (mesh.mjs's run) in a plain or an authenticated subnet. */
const meshRun = async (messages, auth) => summarise(await runMesh(messages, { auth }));

/** Node 0 sets `keys` keys (sync.mjs's run, without its warm-up and late joiner); the time until all 8 nodes hold all. */
const syncRun = (keys, auth) => runSync(keys, { protocol: new Protocol('sync', 'Plaintext', { auth }) }, { warmUp: false, replay: false });

/** One measurement of all four networks (the runner repeats it `--runs` times, medians). */
export async function run({ messages } = {}) {
  const n = messages ?? DEFAULT_MESSAGES;
  if (!warmedUp) {
    // A short unreported run of each first, so none pays for the JIT warming up.
    for (const auth of [false, true]) {
      await meshRun(Math.min(WARMUP, n), auth);
      await syncRun(Math.min(WARMUP, n), auth);
    }
    warmedUp = true;
  }
  const plain = await meshRun(n, false);
  const auth = await meshRun(n, true);
  const plainSync = await syncRun(n, false);
  const authSync = await syncRun(n, true);
  const latency = (r) => `${r.p50Ms.toFixed(2)} / ${r.p99Ms.toFixed(2)}`;
  return {
    messages: n,
    plain,
    auth,
    plainSync,
    authSync,
    results: [
      { label: 'messages (and keys)', value: n, unit: '(each delivered to 7 nodes, same N for every network)' },
      { label: 'mesh plain: messages/s delivered to every node', value: plain.messagesPerSecond, unit: 'msg/s' },
      {
        label: 'mesh auth:  messages/s delivered to every node (ratio: auth / plain)',
        value: auth.messagesPerSecond,
        unit: 'msg/s',
        ratio: auth.messagesPerSecond / plain.messagesPerSecond,
      },
      { label: 'mesh plain: latency p50 / p99', value: latency(plain), unit: 'ms' },
      { label: 'mesh auth:  latency p50 / p99', value: latency(auth), unit: 'ms' },
      { label: 'mesh auth:  lost deliveries', value: auth.lost, unit: `of ${n * (NODES - 1)}`, goal: '= 0' },
      { label: 'mesh auth:  duplicate deliveries', value: auth.duplicates, unit: 'deliveries', goal: '= 0' },
      { label: 'mesh CPU per message: plain / auth', value: `${plain.cpuUsPerMessage.toFixed(0)} / ${auth.cpuUsPerMessage.toFixed(0)}`, unit: 'µs (all 8 nodes, one process)' },
      { label: 'mesh bytes on the wire per message: plain / auth', value: `${Math.round(plain.bytesPerMessage)} / ${Math.round(auth.bytesPerMessage)}`, unit: 'B (all links, snappy)' },
      { label: 'sync plain: keys/s converged on 8 nodes', value: plainSync.keysPerSecond, unit: 'keys/s' },
      {
        label: 'sync auth:  keys/s converged on 8 nodes (ratio: auth / plain)',
        value: authSync.keysPerSecond,
        unit: 'keys/s',
        ratio: authSync.keysPerSecond / plainSync.keysPerSecond,
      },
      { label: 'sync CPU per key: plain / auth', value: `${plainSync.cpuUsPerKey.toFixed(0)} / ${authSync.cpuUsPerKey.toFixed(0)}`, unit: 'µs (all 8 nodes, one process)' },
    ],
  };
}
