// Scenario "auth": what an authenticated subnet costs. The mesh scenario's network (8 nodes in
// one process, each dialing i+1 and i+3 mod 8; one node broadcasts N small messages) and the
// sync scenario's (one node sets N keys; time until all 8 hold all), each run in a plain subnet
// and in an authenticated one (`Protocol(subnet, 'Plaintext', { auth: true })`: every message
// signed by its originator with Ed25519 and verified by every node before it relays or delivers
// it), with the same N, in the same run. Handshakes (with their key proofs) happen while the
// network forms, before the clock starts.
import { Protocol } from '@p2p/base';
import { MeshSocket } from '@p2p/mesh';
import { SyncSocket } from '@p2p/sync';
import { deliveryLedger, summarise } from './mesh.mjs';
import { EDGES, NODES, yieldIo } from './topology.mjs';

export const name = 'auth';
export const description = 'authenticated against plain subnets, same run and N: mesh broadcast (8 nodes, degree 4) and sync convergence';

/** Messages (and keys) when -n is not given. */
const DEFAULT_MESSAGES = 2_000;
const WARMUP = 200;
const BATCH = 50;
const TIMEOUT_MS = 120_000;

const nowNs = () => Number(process.hrtime.bigint());
let warmedUp = false;

function withTimeout(promise, what) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} did not finish within ${TIMEOUT_MS} ms`)), TIMEOUT_MS);
    }),
  ]).finally(() => clearTimeout(timer));
}

/** Eight sockets of `Socket` on `protocol`, connected in the shared topology. */
async function network(Socket, protocol) {
  const nodes = [];
  try {
    for (let i = 0; i < NODES; i++) nodes.push(await Socket.listen({ protocol, maxOutgoing: 0 }));
    // Figures of an authenticated run mean nothing unless the nodes really are authenticated.
    for (const n of nodes) {
      if (protocol.auth !== (n.identity !== undefined)) throw new Error(`a node of the ${protocol.auth ? 'authenticated' : 'plain'} ${protocol.subnet} subnet is ${n.identity ? '' : 'not '}authenticated`);
    }
    for (const [a, b] of EDGES) await nodes[a].connect(...nodes[b].outAddr, { timeout: 10_000 });
    while (nodes.some((n) => n.peers.size !== 4)) await new Promise((r) => setTimeout(r, 5));
    return nodes;
  } catch (err) {
    await Promise.all(nodes.map((n) => n.close()));
    throw err;
  }
}

function bytesSent(nodes) {
  let total = 0;
  for (const n of nodes) for (const c of n.peers.values()) total += c.bytesSent;
  return total;
}

/** Node 0 broadcasts `messages` small messages; every other node must get each once. */
async function runMesh(messages, auth) {
  const nodes = await network(MeshSocket, new Protocol('mesh', 'Plaintext', { auth }));
  try {
    const ledger = deliveryLedger(NODES - 1, messages);
    nodes.slice(1).forEach((n, r) => {
      n.on('message', (m) => {
        ledger.deliver(r, m.packets[2], m.packets[3]);
        n.recv();
      });
    });
    const bytesBefore = bytesSent(nodes);
    const cpu = process.cpuUsage();
    const start = nowNs();
    for (let i = 0; i < messages; i++) {
      nodes[0].send(['bench', i, nowNs()]);
      if (i % BATCH === BATCH - 1) await yieldIo();
    }
    await ledger.done;
    const elapsed = nowNs() - start;
    const used = process.cpuUsage(cpu);
    return summarise({
      elapsed: elapsed / 1e9,
      latencies: ledger.latencies.subarray(0, ledger.unique),
      lost: ledger.expected - ledger.unique,
      duplicates: ledger.duplicates,
      cpuMs: (used.user + used.system) / 1000,
      bytes: bytesSent(nodes) - bytesBefore,
      messages,
    });
  } finally {
    await Promise.all(nodes.map((n) => n.close()));
  }
}

/** Resolves when `node` has emitted `count` update events from now on. */
function updates(node, count) {
  let seen = 0;
  return new Promise((resolve) => {
    const off = node.on('update', () => {
      if (++seen === count) {
        off();
        resolve();
      }
    });
  });
}

/** Node 0 sets `keys` keys; the time until all 8 nodes hold all of them. */
async function runSync(keys, auth) {
  const nodes = await network(SyncSocket, new Protocol('sync', 'Plaintext', { auth }));
  try {
    const all = Promise.all(nodes.slice(1).map((n) => updates(n, keys)));
    const cpu = process.cpuUsage();
    const start = nowNs();
    for (let i = 0; i < keys; i += BATCH) {
      for (let j = i; j < Math.min(keys, i + BATCH); j++) nodes[0].set(`key-${j}`, { i: j, text: 'value' });
      await yieldIo();
    }
    await withTimeout(all, `replicating ${keys} keys`);
    const elapsedMs = (nowNs() - start) / 1e6;
    const used = process.cpuUsage(cpu);
    for (const n of nodes) if (n.size !== keys) throw new Error(`a node holds ${n.size} of ${keys} keys`);
    return { keysPerSecond: (keys / elapsedMs) * 1000, elapsedMs, cpuUsPerKey: (used.user + used.system) / keys };
  } finally {
    await Promise.all(nodes.map((n) => n.close()));
  }
}

/** One measurement of all four networks (the runner repeats it `--runs` times, medians). */
export async function run({ messages } = {}) {
  const n = messages ?? DEFAULT_MESSAGES;
  if (!warmedUp) {
    // A short unreported run of each first, so none pays for the JIT warming up.
    for (const auth of [false, true]) {
      await runMesh(Math.min(WARMUP, n), auth);
      await runSync(Math.min(WARMUP, n), auth);
    }
    warmedUp = true;
  }
  const plain = await runMesh(n, false);
  const auth = await runMesh(n, true);
  const plainSync = await runSync(n, false);
  const authSync = await runSync(n, true);
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
