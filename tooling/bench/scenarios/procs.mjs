// Child processes of the *-procs scenarios (one node per process, driven over IPC), both sides.
//
// Parent: `spawnChildren(script, count, args)` forks `count` children of `script`, each with
// its index and `args` as argv; `ask(cmd, body)` sends a request and resolves with its answer
// (requests carry ids, so answers may come in any order), rejecting when a child does not
// answer within the deadline, reports an error, or exits. `close()` asks every child to close
// and kills whatever has not exited within 5 s; call it in a `finally`.
//
// Child: `serve(handlers)` says it is ready, then answers `{ id, cmd, ...body }` with
// `{ id, answer: await handlers[cmd](body) }` (or `{ id, error }`); it exits after `close`, and
// by itself when the parent goes away.
// `phaseProfile(name)`: with BENCH_CHILD_PROF=dir, a CPU profile of one measured phase only
// (not the process start or the network forming), written to dir/<name>.cpuprofile on stop();
// the leading samples of the profiler starting itself (a `dispatch` under `inspector.post`, about
// 100 ms) are cut from it.
import { fork } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { basename, join } from 'node:path';

const ASK_TIMEOUT_MS = 120_000;
const EXIT_GRACE_MS = 5_000;
/** The id of the message a child sends by itself once it serves. */
const READY_ID = -1;

/** One child process and the requests waiting for its answers. */
function spawnChild(script, args, label) {
  const child = fork(script, args, { serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const pending = new Map();
  let nextId = 0;
  let exitCode;
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve((exitCode = code ?? signal))));
  const failAll = (error) => {
    for (const { reject } of pending.values()) reject(error);
    pending.clear();
  };
  child.on('message', (m) => {
    const waiter = pending.get(m.id);
    if (waiter === undefined) return;
    pending.delete(m.id);
    if (m.error !== undefined) waiter.reject(new Error(`${label}: ${m.cmd}: ${m.error}`));
    else waiter.resolve(m.answer);
  });
  child.once('exit', () => failAll(new Error(`${label} exited (${exitCode})`)));
  child.on('error', (err) => failAll(new Error(`${label}: ${err.message}`)));
  /** Resolves with the answer to request `id`, or rejects after `timeout`. */
  const answer = (id, cmd, timeout) =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(new Error(`${label} did not answer ${cmd} within ${timeout} ms`));
      }, timeout);
      const settle = (fn) => (value) => (clearTimeout(timer), fn(value));
      pending.set(id, { resolve: settle(resolve), reject: settle(reject) });
    });
  return {
    label,
    exited,
    /** The child's unasked first message, sent once it serves. */
    ready: answer(READY_ID, 'ready', ASK_TIMEOUT_MS),
    ask(cmd, body = {}, timeout = ASK_TIMEOUT_MS) {
      if (exitCode !== undefined) return Promise.reject(new Error(`${label} exited (${exitCode})`));
      const id = nextId++;
      const answered = answer(id, cmd, timeout);
      child.send({ id, cmd, ...body }, (err) => err && pending.get(id)?.reject(new Error(`${label}: ${cmd}: ${err.message}`)));
      return answered;
    },
    kill: () => exitCode === undefined && child.kill('SIGKILL'),
  };
}

/** `count` children of `script`, all ready; kills them all if any fails to start. */
export async function spawnChildren(script, count, args = []) {
  const children = Array.from({ length: count }, (_, i) => spawnChild(script, [String(i), ...args], `${[basename(script), i, ...args].join(' ')}`));
  const group = {
    children,
    /** Asks every child to close, then kills what has not exited within EXIT_GRACE_MS. */
    async close() {
      await Promise.all(children.map((c) => c.ask('close', {}, EXIT_GRACE_MS).catch(() => {})));
      await Promise.all(children.map((c) => Promise.race([c.exited, new Promise((r) => setTimeout(r, EXIT_GRACE_MS).unref())])));
      for (const c of children) c.kill();
      await Promise.all(children.map((c) => c.exited));
    },
  };
  try {
    await Promise.all(children.map((c) => c.ready));
  } catch (err) {
    await group.close();
    throw err;
  }
  return group;
}

/** This process's user + system CPU time, in ms. */
export const cpuMs = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};

/**
 * This process's CPU time (ms) and, on Linux, its context switches: `waits` (voluntary: the
 * event loop went to sleep, a wake-up each) and `preempted` (involuntary: another process took
 * the core). NaN where /proc is not there.
 */
export function processCounters() {
  let status = '';
  try {
    status = readFileSync('/proc/self/status', 'latin1');
  } catch {}
  const field = (name) => Number(new RegExp(`^${name}:\\s*(\\d+)`, 'm').exec(status)?.[1] ?? NaN);
  return { cpuMs: cpuMs(), waits: field('voluntary_ctxt_switches'), preempted: field('nonvoluntary_ctxt_switches') };
}

/** The child side: answers the parent's requests with `handlers`; `close` also ends the process. */
export function serve(handlers) {
  // Never outlive the parent (killed, crashed, or done).
  process.on('disconnect', () => process.exit(1));
  process.on('message', async ({ id, cmd, ...body }) => {
    let answer;
    try {
      if (handlers[cmd] === undefined) throw new Error('unknown command');
      answer = (await handlers[cmd](body)) ?? {};
    } catch (err) {
      // A failed close still ends the process.
      return process.send({ id, cmd, error: err?.stack ?? String(err) }, () => cmd === 'close' && process.exit(1));
    }
    if (cmd === 'close') process.send({ id, answer }, () => process.exit(0));
    else process.send({ id, answer });
  });
  process.send({ id: READY_ID });
}

/** `profile` without its leading samples inside node:inspector (the profiler starting itself). */
function withoutProfilerStart(profile) {
  const parent = new Map();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node);
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const inInspector = (id) => {
    for (let node = byId.get(id); node; node = parent.get(node.id)) if (node.callFrame.url === 'node:inspector') return true;
    return false;
  };
  let cut = 0;
  while (cut < profile.samples.length && inInspector(profile.samples[cut])) cut++;
  if (cut === 0) return profile;
  const skipped = profile.timeDeltas.slice(0, cut).reduce((a, b) => a + b, 0);
  return { ...profile, startTime: profile.startTime + skipped, samples: profile.samples.slice(cut), timeDeltas: profile.timeDeltas.slice(cut) };
}

/** A phase profile that records nothing (BENCH_CHILD_PROF unset, or a phase nobody profiles). */
export const NO_PROFILE = Object.freeze({ start: async () => {}, stop: async () => {} });

/** A CPU profile of one phase, when BENCH_CHILD_PROF names a directory (otherwise no-ops). */
export function phaseProfile(name) {
  const dir = process.env.BENCH_CHILD_PROF;
  if (!dir) return NO_PROFILE;
  const session = new Session();
  session.connect();
  return {
    async start() {
      await session.post('Profiler.enable');
      await session.post('Profiler.setSamplingInterval', { interval: 200 });
      await session.post('Profiler.start');
    },
    async stop() {
      const { profile } = await session.post('Profiler.stop');
      writeFileSync(join(dir, `${name}.cpuprofile`), JSON.stringify(withoutProfilerStart(profile)));
      session.disconnect();
    },
  };
}
