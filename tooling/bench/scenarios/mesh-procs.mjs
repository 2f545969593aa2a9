// Scenario "mesh-procs": the mesh scenario with one node per child process (real nodes do not
// share a thread): 8 processes on loopback, each dialing i+1 and i+3 mod 8, node 0 broadcasts N
// small messages (2,000 unless -n is given). The bare TCP relay runs the same way, one process
// per relay; both networks are formed and warmed up, then take turns, `runs` rounds each.
// Latencies compare across processes: process.hrtime reads the same monotonic clock in all of
// them. On a machine with fewer cores than processes the figures say as much about the
// scheduler as about the code; CPU time per message is the steadier one.
import { fileURLToPath } from 'node:url';
import { comparisonRows, summarise } from './mesh.mjs';
import { spawnChildren } from './procs.mjs';
import { EDGES, NODES } from './topology.mjs';

export const name = 'mesh-procs';
/** This scenario alternates its own rounds (`runs` of them): the runner calls it once. */
export const repeats = false;
export const description = '8 nodes, one per child process, on loopback (each dials i+1 and i+3 mod 8); node 0 broadcasts N small messages; beside the bare TCP relay, also one per process';

const DEFAULT_MESSAGES = 2_000;
/**
 * Unreported rounds first, in the same processes. The mesh scenario warms up with 500 messages,
 * but there the 8 nodes share one JIT; here every process compiles its own copy, and under load
 * its optimizing compiler runs late. Measured on the shared 2-core machine (CPU per message of
 * rounds of 3,000 after a round of 500, the same processes): mesh 989, 343, 310, 204 us, with
 * 687, 128, 68, 18 functions optimized during those rounds (--trace-opt); relay 468, 216, 144,
 * 147 us. So 9,500 messages, in these rounds, before the measured one.
 */
const WARMUP = [500, 3_000, 3_000, 3_000];
const CHILD = fileURLToPath(new URL('./mesh-node.mjs', import.meta.url));

/** One broadcast round of `messages` from child 0; `measure` adds CPU marks (and profiles). */
async function broadcastRound(children, messages, measure) {
  const receivers = children.slice(1);
  const before = measure ? await Promise.all(children.map((c) => c.ask('begin'))) : [];
  await Promise.all(receivers.map((c) => c.ask('expect', { messages })));
  // Each receiver answers 'delivered' once its deliveries are in (or stalled).
  const done = receivers.map((c) => c.ask('delivered'));
  const { startNs } = await children[0].ask('send', { messages });
  const reports = await Promise.all(done);
  const after = measure ? await Promise.all(children.map((c) => c.ask('end'))) : [];
  return {
    elapsed: (Math.max(...reports.map((r) => r.endNs)) - startNs) / 1e9,
    latencies: Float64Array.from(reports.flatMap((r) => Array.from(r.latencies))),
    lost: messages * receivers.length - reports.reduce((s, r) => s + r.unique, 0),
    duplicates: reports.reduce((s, r) => s + r.duplicates, 0),
    // Every process, from before the first send until every receiver had every message.
    cpuMs: after.reduce((s, a, i) => s + a.cpuMs - before[i].cpuMs, 0),
    perProcess: after.map((a, i) => ({ cpuMs: a.cpuMs - before[i].cpuMs, waits: a.waits - before[i].waits, preempted: a.preempted - before[i].preempted })),
    bytes: NaN,
    messages,
  };
}

/** One network of `role` processes, formed and warmed up; close it with `group.close()`. */
async function network(role) {
  const group = await spawnChildren(CHILD, NODES, [role]);
  const { children } = group;
  try {
    const ports = [];
    for (const c of children) ports.push((await c.ask('listen')).port);
    for (let i = 0; i < NODES; i++) {
      await children[i].ask('connect', { ports: EDGES.filter(([a]) => a === i).map(([, b]) => ports[b]) });
    }
    for (;;) {
      const sizes = await Promise.all(children.map((c) => c.ask('peers')));
      if (sizes.every((s) => s.peers === 4)) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    for (const n of WARMUP) await broadcastRound(children, n, false);
    return group;
  } catch (err) {
    await group.close();
    throw err;
  }
}

/** The median of numbers. */
export const median = (xs) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
/** The round with the median throughput. */
const medianRound = (rounds) => [...rounds].sort((x, y) => x.messagesPerSecond - y.messagesPerSecond)[Math.floor(rounds.length / 2)];
/** Every round's messages/s, in order. */
export const every = (rounds) => rounds.map((r) => Math.round(r.messagesPerSecond)).join(' / ');

/**
 * Networks of roles `a` and `b` (mesh-node.mjs roles), formed and warmed up, then taking turns:
 * `rounds` rounds of `messages` on each, `a` first in even rounds and `b` first in odd ones, so
 * load from elsewhere on a shared machine, and whatever going first or second brings, falls on
 * both alike (the idle network costs nothing). Resolves to one pair of
 * raw broadcastRound outcomes per round, `{ a, b }`; every process is gone when it settles.
 */
export async function alternatingNetworks(a, b, messages, rounds) {
  const groups = [];
  const pairs = [];
  try {
    groups.push(await network(a));
    groups.push(await network(b));
    const [first, second] = groups.map((g) => g.children);
    for (let r = 0; r < rounds; r++) {
      // Every other round the other goes first (as rounds.mjs's alternate).
      if (r % 2 === 0) {
        const a = await broadcastRound(first, messages, true);
        pairs.push({ a, b: await broadcastRound(second, messages, true) });
      } else {
        const b = await broadcastRound(second, messages, true);
        pairs.push({ a: await broadcastRound(first, messages, true), b });
      }
    }
  } finally {
    await Promise.all(groups.map((g) => g.close()));
  }
  return pairs;
}

/** The mesh and the bare relay in alternating rounds; ratios are the medians of each pair's ratio. */
export async function run({ messages = DEFAULT_MESSAGES, runs = 3 }) {
  const pairs = (await alternatingNetworks('mesh', 'relay', messages, runs)).map(({ a, b }) => ({
    mesh: summarise(a),
    relay: summarise(b),
    perProcess: { mesh: a.perProcess, relay: b.perProcess },
  }));
  const meshRounds = pairs.map((p) => p.mesh);
  const relayRounds = pairs.map((p) => p.relay);
  const mesh = medianRound(meshRounds);
  const relay = medianRound(relayRounds);
  const pairRatio = (f) => median(pairs.map(f));
  const total = (rounds, key) => rounds.reduce((s, r) => s + r[key], 0);
  // Bytes are counted by the in-process scenario only.
  const results = comparisonRows('', mesh, relay)
    .filter((r) => !r.label.startsWith('bytes'))
    .map((r) => {
      if (r.label.startsWith('mesh: messages/s')) return { ...r, ratio: pairRatio((p) => p.mesh.messagesPerSecond / p.relay.messagesPerSecond) };
      if (r.label.startsWith('mesh p99 / relay p99')) return { ...r, value: pairRatio((p) => p.mesh.p99Ms / p.relay.p99Ms) };
      if (r.label.startsWith('CPU per message')) {
        const cpu = (rounds) => median(rounds.map((x) => x.cpuUsPerMessage)).toFixed(0);
        return { ...r, value: `${cpu(meshRounds)} / ${cpu(relayRounds)}`, ratio: pairRatio((p) => p.relay.cpuUsPerMessage / p.mesh.cpuUsPerMessage) };
      }
      if (r.label.startsWith('mesh: lost')) return { ...r, value: total(meshRounds, 'lost'), unit: `of ${messages * (NODES - 1) * runs}` };
      if (r.label.startsWith('mesh: duplicate')) return { ...r, value: total(meshRounds, 'duplicates') };
      if (r.label.startsWith('bare relay: lost')) return { ...r, value: `${total(relayRounds, 'lost')} / ${total(relayRounds, 'duplicates')}` };
      return r;
    });
  results.push(
    { label: 'rounds', value: runs, unit: 'of each, alternating (medians; ratios: median of the pairs)' },
    { label: 'mesh: every round', value: every(meshRounds), unit: 'msg/s' },
    { label: 'bare relay: every round', value: every(relayRounds), unit: 'msg/s' },
  );
  // Each round's figures, and each process's CPU ms and context switches in it, in --json.
  return { messages, mesh, relay, pairs, results };
}
