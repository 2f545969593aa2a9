// Scenario "mesh-procs": the mesh scenario with one node per child process (real nodes do not
// share a thread): 8 processes on loopback, each dialing i+1 and i+3 mod 8, node 0 broadcasts N
// small messages (2,000 unless -n is given). The bare TCP relay runs the same way, one process
// per relay, right after it. Latencies compare across processes: process.hrtime reads the same
// monotonic clock in all of them. On a machine with fewer cores than processes the figures say
// as much about the scheduler as about the code; CPU time per message is the steadier one.
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { comparisonRows, summarise } from './mesh.mjs';
import { EDGES, NODES } from './topology.mjs';

export const name = 'mesh-procs';
export const description = '8 nodes, one per child process, on loopback (each dials i+1 and i+3 mod 8); node 0 broadcasts N small messages; beside the bare TCP relay, also one per process';

const DEFAULT_MESSAGES = 2_000;
const CHILD = fileURLToPath(new URL('./mesh-node.mjs', import.meta.url));
const TIMEOUT_MS = 120_000;

/** One child process and a way to ask it something. */
function spawn(role) {
  const execArgv = process.env.BENCH_CHILD_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CHILD_PROF}`] : [];
  const child = fork(CHILD, [role], { execArgv, serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const waiting = [];
  child.on('message', (m) => waiting.shift()?.(m));
  const next = () =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`a ${role} child did not answer within ${TIMEOUT_MS} ms`)), TIMEOUT_MS);
      waiting.push((m) => (clearTimeout(timer), resolve(m)));
    });
  const ready = next();
  return {
    ready,
    ask: (message) => {
      const answer = next();
      child.send(message);
      return answer;
    },
    kill: () => child.kill(),
    exited: new Promise((resolve) => child.once('exit', resolve)),
  };
}

/** One network of `role` processes; returns the same figures as the in-process runs. */
async function runProcesses(role, messages) {
  const children = Array.from({ length: NODES }, () => spawn(role));
  try {
    await Promise.all(children.map((c) => c.ready));
    const ports = [];
    for (const c of children) ports.push((await c.ask({ cmd: 'listen' })).port);
    for (let i = 0; i < NODES; i++) {
      const targets = EDGES.filter(([a]) => a === i).map(([, b]) => ports[b]);
      await children[i].ask({ cmd: 'connect', ports: targets });
    }
    for (;;) {
      const sizes = await Promise.all(children.map((c) => c.ask({ cmd: 'peers' })));
      if (sizes.every((s) => s.peers === 4)) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    const receivers = children.slice(1);
    // Each receiver answers 'expect' once its deliveries are in (or stalled).
    const done = receivers.map((c) => c.ask({ cmd: 'expect', messages }));
    const { startNs } = await children[0].ask({ cmd: 'send', messages });
    const reports = await Promise.all(done);
    const senderCpu = (await children[0].ask({ cmd: 'cpu' })).cpuMs;
    const latencies = Float64Array.from(reports.flatMap((r) => Array.from(r.latencies)));
    return {
      elapsed: (Math.max(...reports.map((r) => r.endNs)) - startNs) / 1e9,
      latencies,
      lost: messages * receivers.length - reports.reduce((s, r) => s + r.unique, 0),
      duplicates: reports.reduce((s, r) => s + r.duplicates, 0),
      cpuMs: senderCpu + reports.reduce((s, r) => s + r.cpuMs, 0),
      bytes: NaN,
      messages,
    };
  } finally {
    await Promise.all(children.map((c) => c.ask({ cmd: 'close' }).catch(() => {})));
    // A child exits by itself once closed; one that does not within 5 s is killed.
    await Promise.all(children.map((c) => Promise.race([c.exited, new Promise((r) => setTimeout(r, 5_000).unref())])));
    for (const c of children) c.kill();
    await Promise.all(children.map((c) => c.exited));
  }
}

export async function run({ messages = DEFAULT_MESSAGES }) {
  const mesh = summarise(await runProcesses('mesh', messages));
  const relay = summarise(await runProcesses('relay', messages));
  // Bytes are counted by the in-process scenario only.
  const results = comparisonRows('', mesh, relay).filter((r) => !r.label.startsWith('bytes'));
  return { messages, mesh, relay, results };
}
