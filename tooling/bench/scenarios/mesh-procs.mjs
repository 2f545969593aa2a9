// Scenario "mesh-procs": the mesh scenario with one node per child process (real nodes do not
// share a thread): 8 processes on loopback, each dialing i+1 and i+3 mod 8, node 0 broadcasts N
// small messages (2,000 unless -n is given). The bare TCP relay runs the same way, one process
// per relay, right after it. Latencies compare across processes: process.hrtime reads the same
// monotonic clock in all of them. On a machine with fewer cores than processes the figures say
// as much about the scheduler as about the code; CPU time per message is the steadier one.
import { fileURLToPath } from 'node:url';
import { comparisonRows, summarise } from './mesh.mjs';
import { spawnChildren } from './procs.mjs';
import { EDGES, NODES } from './topology.mjs';

export const name = 'mesh-procs';
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

/** One network of `role` processes; returns the same figures as the in-process runs. */
async function runProcesses(role, messages) {
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
    return await broadcastRound(children, messages, true);
  } finally {
    await group.close();
  }
}

export async function run({ messages = DEFAULT_MESSAGES }) {
  const meshRun = await runProcesses('mesh', messages);
  const relayRun = await runProcesses('relay', messages);
  const mesh = summarise(meshRun);
  const relay = summarise(relayRun);
  // Bytes are counted by the in-process scenario only.
  const results = comparisonRows('', mesh, relay).filter((r) => !r.label.startsWith('bytes'));
  // Each process's CPU ms and context switches over the measured round (node 0 sends), in --json.
  const perProcess = { mesh: meshRun.perProcess, relay: relayRun.perProcess };
  return { messages, mesh, relay, perProcess, results };
}
