/** Starts and talks to a target node in a child process (`target.ts`, bundled by `bundle.ts`). */
import { fork, type ChildProcess } from 'node:child_process';
import { bundleEntry } from './bundle';
import type { TargetCommand, TargetReply, TargetStats } from './target-protocol';

export interface Target {
  readonly id: string;
  readonly port: number;
  readonly protocolId: string;
  readonly process: ChildProcess;
  /** True until the process exits. */
  alive(): boolean;
  /** Exit code or signal, once it exited. */
  exit(): string | undefined;
  stats(): Promise<TargetStats>;
  /** A full GC in the child, then its stats (the peak restarts from here). */
  gc(): Promise<TargetStats>;
  connect(host: string, port: number): Promise<void>;
  close(): Promise<void>;
}

export interface TargetOptions {
  kind?: 'mesh' | 'sync';
  /** V8 heap limit of the child, in MiB (a node that needs more crashes, which the suite reports). */
  maxHeapMiB?: number;
}

export async function startTarget(options: TargetOptions = {}): Promise<Target> {
  const file = await bundleEntry('target');
  const child = fork(file, [], {
    execArgv: ['--expose-gc', `--max-old-space-size=${options.maxHeapMiB ?? 2048}`],
    env: { ...process.env, P2P_STRESS_KIND: options.kind ?? 'mesh' },
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  let exit: string | undefined;
  let seq = 0;
  const pending = new Map<number, (r: TargetReply) => void>();
  child.on('exit', (code, signal) => {
    exit = signal ?? String(code);
    for (const resolve of pending.values()) resolve({ seq: -1, error: `target exited (${exit})` });
    pending.clear();
  });
  child.on('message', (r: TargetReply) => {
    pending.get(r.seq)?.(r);
    pending.delete(r.seq);
  });
  const ready = await new Promise<TargetReply>((resolve, reject) => {
    pending.set(0, resolve);
    child.once('exit', () => reject(new Error(`target exited before it was ready (${exit})`)));
  });
  const request = (req: TargetCommand, timeout = 30_000): Promise<TargetReply> => {
    if (exit !== undefined) return Promise.resolve({ seq: -1, error: `target exited (${exit})` });
    const id = ++seq;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        pending.delete(id);
        resolve({ seq: id, error: 'target did not answer in time' });
      }, timeout);
      pending.set(id, (r) => {
        clearTimeout(timer);
        resolve(r);
      });
      child.send({ ...req, seq: id });
    });
  };
  const statsOf = async (req: TargetCommand): Promise<TargetStats> => {
    const r = await request(req);
    if (r.stats === undefined) throw new Error(r.error ?? 'no stats');
    return r.stats;
  };
  return {
    id: ready.ready!.id,
    port: ready.ready!.port,
    protocolId: ready.ready!.protocolId,
    process: child,
    alive: () => exit === undefined,
    exit: () => exit,
    stats: () => statsOf({ cmd: 'stats' }),
    gc: () => statsOf({ cmd: 'gc' }),
    async connect(host, port) {
      const r = await request({ cmd: 'connect', host, port });
      if (r.error !== undefined) throw new Error(r.error);
    },
    async close() {
      if (exit !== undefined) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      await request({ cmd: 'close' }, 10_000);
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}
