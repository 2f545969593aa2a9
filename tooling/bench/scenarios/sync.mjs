// Scenario "sync": 8 SyncSocket nodes on loopback in the mesh scenario's degree-4 topology; one
// node sets N keys (N = 1,000 and 10,000). Measures the time until every node holds every key,
// and how fast a late joiner receives the whole dictionary through the join replay.
import { SyncSocket } from '@p2p/sync';
import { EDGES, NODES, yieldIo } from './topology.mjs';

export const name = 'sync';
export const description = '8 sync nodes (each dials i+1 and i+3 mod 8); one node sets N keys; time until all nodes hold all';

const SIZES = [1_000, 10_000];
const BATCH = 100;
const TIMEOUT_MS = 120_000;

const nowMs = () => Number(process.hrtime.bigint()) / 1e6;

function withTimeout(promise, what) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} did not finish within ${TIMEOUT_MS} ms`)), TIMEOUT_MS);
    }),
  ]).finally(() => clearTimeout(timer));
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

async function runSize(keys) {
  const nodes = [];
  for (let i = 0; i < NODES; i++) nodes.push(await SyncSocket.listen({ maxOutgoing: 0 }));
  let late;
  try {
    for (const [a, b] of EDGES) await nodes[a].connect(...nodes[b].outAddr);
    while (nodes.some((n) => n.peers.size !== 4)) await new Promise((r) => setTimeout(r, 5));

    const all = Promise.all(nodes.slice(1).map((n) => updates(n, keys)));
    const start = nowMs();
    for (let i = 0; i < keys; i++) {
      nodes[0].set(`key-${i}`, { i, text: 'value' });
      if (i % BATCH === BATCH - 1) await yieldIo();
    }
    const setDone = nowMs();
    await withTimeout(all, `replicating ${keys} keys`);
    const elapsed = nowMs() - start;
    for (const n of nodes) if (n.size !== keys) throw new Error(`a node holds ${n.size} of ${keys} keys`);

    // A late joiner dialing node 4 gets the whole dictionary from it.
    late = await SyncSocket.listen({ maxOutgoing: 0 });
    const replayed = updates(late, keys);
    const joinStart = nowMs();
    await late.connect(...nodes[4].outAddr);
    await withTimeout(replayed, `join replay of ${keys} keys`);
    const joinElapsed = nowMs() - joinStart;

    return [
      { label: `${keys} sets: local set() loop`, value: setDone - start, unit: 'ms' },
      { label: `${keys} sets: until all 8 nodes hold all`, value: elapsed, unit: 'ms' },
      { label: `${keys} sets: throughput`, value: (keys / elapsed) * 1000, unit: 'keys/s' },
      { label: `${keys} sets: replicas applied`, value: ((keys * (NODES - 1)) / elapsed) * 1000, unit: 'updates/s' },
      { label: `${keys} keys: late joiner replay`, value: joinElapsed, unit: 'ms' },
      { label: `${keys} keys: replay throughput`, value: (keys / joinElapsed) * 1000, unit: 'keys/s' },
    ];
  } finally {
    await Promise.all([...nodes, ...(late ? [late] : [])].map((n) => n.close()));
  }
}

export async function run() {
  const results = [];
  for (const keys of SIZES) results.push(...(await runSize(keys)));
  return { results };
}
