// Scenario "sync": 8 SyncSocket nodes on loopback in the mesh scenario's degree-4 topology; one
// node sets N keys (N = --messages). Measures what one set() costs its caller, the time until
// every node holds every key, and how fast a late joiner receives the whole dictionary through
// the join replay. Every set is one broadcast, so the mesh scenario's bare TCP relay (mesh.mjs's
// runBaseline, run in the same process with the same N) is the ceiling the key rate is judged by;
// mesh.mjs's own broadcast run is printed beside it.
import { Protocol, SyncSocket } from '@p2p/sync';
import { runBaseline, runMesh, summarise } from './mesh.mjs';
import { network, yieldIo } from './topology.mjs';

export const name = 'sync';
export const description = '8 sync nodes (each dials i+1 and i+3 mod 8); one node sets N keys; time until all nodes hold all; against the bare TCP relay';

const BATCH = 100;
/** Keys when no -n is given. */
const DEFAULT_KEYS = 2000;
const TIMEOUT_MS = 120_000;
/** Goals: keys/s converged at least this share of the relay's messages/s; set() returning in under this many µs. */
const RELAY_SHARE_GOAL = 0.5;
const SET_US_GOAL = 20;

const nowNs = () => process.hrtime.bigint();
const msSince = (t) => Number(nowNs() - t) / 1e6;

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

/** Sets made on an unconnected node first, so set() is measured compiled, not while the JIT warms up. */
const WARMUP_SETS = 2000;

async function warmUp() {
  const node = await SyncSocket.listen({ maxOutgoing: 0 });
  try {
    for (let i = 0; i < WARMUP_SETS; i += BATCH) {
      for (let j = i; j < i + BATCH; j++) node.set(`warm-${j}`, { i: j, text: 'value' });
      await yieldIo();
    }
  } finally {
    await node.close();
  }
}

/**
 * One network, `keys` sets from node 0, then (with `replay`) a late joiner; `options` go to every
 * node (an authenticated protocol, say). `warmUp` first makes the sets on an unconnected node.
 */
export async function runSync(keys, options = {}, { warmUp: warm = true, replay = true } = {}) {
  if (warm) await warmUp();
  const nodes = await network(() => SyncSocket.listen({ maxOutgoing: 0, ...options }));
  let late;
  try {
    const all = Promise.all(nodes.slice(1).map((n) => updates(n, keys)));
    let setNs = 0n; // inside set() calls only
    let setCpuUs = 0; // the same, in CPU time (steadier than wall time on a shared machine)
    let sendNs = 0n; // set() calls plus the end-of-tick sends they queued
    const cpu = process.cpuUsage();
    const start = nowNs();
    for (let i = 0; i < keys; i += BATCH) {
      const c0 = process.cpuUsage();
      const t0 = nowNs();
      for (let j = i; j < Math.min(keys, i + BATCH); j++) nodes[0].set(`key-${j}`, { i: j, text: 'value' });
      const t1 = nowNs();
      const c1 = process.cpuUsage(c0);
      setCpuUs += c1.user + c1.system;
      // The outbox's microtask was queued by the first set(): this continuation runs after it.
      await null;
      const t2 = nowNs();
      setNs += t1 - t0;
      sendNs += t2 - t0;
      await yieldIo();
    }
    await withTimeout(all, `replicating ${keys} keys`);
    const elapsed = msSince(start);
    const used = process.cpuUsage(cpu);
    for (const n of nodes) if (n.size !== keys) throw new Error(`a node holds ${n.size} of ${keys} keys`);

    const figures = {
      setUs: Number(setNs) / 1e3 / keys,
      setCpuUs: setCpuUs / keys,
      sendUs: Number(sendNs) / 1e3 / keys,
      elapsedMs: elapsed,
      keysPerSecond: (keys / elapsed) * 1000,
      cpuUsPerKey: (used.user + used.system) / keys,
    };
    if (!replay) return figures;

    // A late joiner dialing node 4 gets the whole dictionary from it.
    late = await SyncSocket.listen({ maxOutgoing: 0, ...options });
    const replayed = updates(late, keys);
    const joinStart = nowNs();
    await late.connect(...nodes[4].outAddr);
    await withTimeout(replayed, `join replay of ${keys} keys`);
    return { ...figures, joinMs: msSince(joinStart) };
  } finally {
    await Promise.all([...nodes, ...(late ? [late] : [])].map((n) => n.close()));
  }
}

/** One measurement (the runner repeats it `--runs` times and reports medians). */
export async function run({ messages } = {}) {
  const keys = messages ?? DEFAULT_KEYS;
  const sync = await runSync(keys);
  // Every write signed by its owner and checked by every node, besides the mesh's message signatures.
  const signed = await runSync(keys, { protocol: new Protocol('sync', 'Plaintext', { auth: true }) });
  const relay = summarise(await runBaseline(keys));
  const mesh = summarise(await runMesh(keys));
  const relayRate = relay.messagesPerSecond;
  const meshRate = mesh.messagesPerSecond;
  return {
    keys,
    results: [
      { label: 'keys set (each one broadcast)', value: keys, unit: '' },
      { label: 'set(): average CPU time per call', value: sync.setCpuUs, unit: `µs (after ${WARMUP_SETS} warm-up sets)`, goal: `< ${SET_US_GOAL}` },
      { label: 'set(): average wall time to return', value: sync.setUs, unit: 'µs' },
      { label: 'set() + its end-of-tick send, per key', value: sync.sendUs, unit: 'µs' },
      { label: 'until all 8 nodes hold all', value: sync.elapsedMs, unit: 'ms' },
      {
        label: 'keys/s converged on 8 nodes (ratio: / relay msg/s)',
        value: sync.keysPerSecond,
        unit: 'keys/s',
        goal: `>= ${RELAY_SHARE_GOAL}`,
        ratio: sync.keysPerSecond / relayRate,
      },
      { label: 'bare TCP relay (mesh.mjs): messages/s', value: relayRate, unit: 'msg/s' },
      { label: 'mesh broadcast (mesh.mjs): messages/s', value: meshRate, unit: 'msg/s' },
      { label: 'sync keys/s / mesh messages/s', value: sync.keysPerSecond / meshRate, unit: 'x' },
      { label: 'CPU per key / message: sync / mesh / relay', value: `${sync.cpuUsPerKey.toFixed(0)} / ${mesh.cpuUsPerMessage.toFixed(0)} / ${relay.cpuUsPerMessage.toFixed(0)}`, unit: 'µs (all 8 nodes, one process)' },
      { label: 'authenticated subnet: set(): average CPU time per call', value: signed.setCpuUs, unit: 'µs (signs the write)' },
      { label: 'authenticated subnet: keys/s converged on 8 nodes', value: signed.keysPerSecond, unit: 'keys/s' },
      { label: 'authenticated subnet: CPU per key', value: signed.cpuUsPerKey, unit: 'µs (all 8 nodes, one process)' },
      { label: 'late joiner replay', value: sync.joinMs, unit: 'ms' },
      { label: 'replay throughput', value: (keys / sync.joinMs) * 1000, unit: 'keys/s' },
    ],
  };
}
