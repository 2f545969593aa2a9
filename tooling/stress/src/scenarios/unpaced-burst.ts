/**
 * Unpaced bursts (backpressure): a sender sends N x 1 KiB in one synchronous loop, never
 * looking at `full`. `slow-reader`: the sender and two fast receivers in child processes, plus a
 * raw peer that handshakes and then never reads; goal: both fast peers get N of N and the
 * silent one is dropped (LIMIT_EXCEEDED) once it stayed over `writeHighWaterBytes` for
 * `slowPeerTimeout` without taking as much. `burst-processes`: eight nodes, one per child process, each dialing i+1
 * and i+3 (mod 8); goal: all seven receivers get N of N.
 */
import { fork, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { MainFlags, SubFlags, base58Encode, encodeFrame, utf8Encode } from '@p2p/base';
import { bundleEntry } from '../bundle';
import { Checks, toMiB, type ScenarioResult } from '../report';

interface BurstNode {
  readonly id: string;
  readonly port: number;
  readonly protocolId: string;
  ask(req: Record<string, unknown>, timeout?: number): Promise<Record<string, unknown>>;
  close(): Promise<void>;
}

async function startNode(limits: Record<string, number>): Promise<BurstNode> {
  const file = await bundleEntry('scenarios/burst-node');
  const child: ChildProcess = fork(file, [], { env: { ...process.env, P2P_BURST_LIMITS: JSON.stringify(limits) }, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  let seq = 0;
  let exited = false;
  const pending = new Map<number, (r: Record<string, unknown>) => void>();
  child.on('message', (r: Record<string, unknown>) => {
    pending.get(r.seq as number)?.(r);
    pending.delete(r.seq as number);
  });
  child.on('exit', (code, signal) => {
    exited = true;
    for (const resolve of pending.values()) resolve({ error: `node exited (${signal ?? code})` });
  });
  const ready = await new Promise<Record<string, unknown>>((resolve) => pending.set(0, resolve));
  if (ready.error !== undefined) throw new Error(String(ready.error));
  const ask = (req: Record<string, unknown>, timeout = 60_000): Promise<Record<string, unknown>> => {
    if (exited) return Promise.resolve({ error: 'node exited' });
    const id = ++seq;
    return new Promise((resolve) => {
      const timer = setTimeout(() => (pending.delete(id), resolve({ error: 'no answer in time' })), timeout);
      pending.set(id, (r) => (clearTimeout(timer), resolve(r)));
      child.send({ ...req, seq: id });
    });
  };
  return {
    id: ready.id as string,
    port: ready.port as number,
    protocolId: ready.protocolId as string,
    ask,
    async close() {
      if (exited) return;
      const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      await ask({ cmd: 'close' }, 5000);
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await gone;
      clearTimeout(timer);
    },
  };
}

async function connect(from: BurstNode, to: BurstNode): Promise<void> {
  const r = await from.ask({ cmd: 'connect', port: to.port });
  if (r.error !== undefined) throw new Error(String(r.error));
}

/** Polls every node's received count until all reach `count` or `ms` pass; returns the counts. */
async function awaitCounts(nodes: BurstNode[], count: number, ms: number): Promise<Record<string, unknown>[]> {
  const deadline = Date.now() + ms;
  for (;;) {
    const stats = await Promise.all(nodes.map((n) => n.ask({ cmd: 'stats' })));
    if (stats.every((s) => s.received === count) || Date.now() > deadline) return stats;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** A raw peer that handshakes with `node` and then never reads a byte. */
function silentPeer(node: BurstNode): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port: node.port });
    socket.on('error', () => {});
    socket.once('data', () => socket.pause());
    socket.on('connect', () => {
      const id = base58Encode(crypto.getRandomValues(new Uint8Array(48)));
      const hello = { type: MainFlags.whisper, sender: id, time: Math.floor(Date.now() / 1000) };
      socket.write(encodeFrame({ ...hello, payload: [SubFlags.handshake, utf8Encode(id), utf8Encode(node.protocolId), ['127.0.0.1', 1], []] }));
      resolve(socket);
    });
    socket.once('close', () => reject(new Error('the silent peer was refused')));
  });
}

export async function slowReader(options: { count: number; slowPeerTimeout: number; maxWriteBufferBytes?: number }): Promise<ScenarioResult> {
  const { count, slowPeerTimeout } = options;
  const checks = new Checks();
  const limits = { slowPeerTimeout, ...(options.maxWriteBufferBytes === undefined ? {} : { maxWriteBufferBytes: options.maxWriteBufferBytes }) };
  const nodes = await Promise.all([0, 1, 2].map(() => startNode(limits)));
  const [sender, ...fast] = nodes as [BurstNode, BurstNode, BurstNode];
  let silent: net.Socket | undefined;
  try {
    for (const f of fast) await connect(f, sender);
    silent = await silentPeer(sender);
    const deadline = Date.now() + 5000;
    while (((await sender.ask({ cmd: 'stats' })).peers as number) < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const started = Date.now();
    const burst = await sender.ask({ cmd: 'burst', count, bytes: 1024 }, 120_000);
    const counts = await awaitCounts(fast, count, 180_000);
    const seconds = (Date.now() - started) / 1000;
    // A paused socket does not see its close: the sender's peer count tells.
    let silentClosedAt: number | undefined;
    let after = await sender.ask({ cmd: 'stats' });
    const waitUntil = Date.now() + slowPeerTimeout + 5000;
    while ((after.peers as number) > 2 && Date.now() < waitUntil) {
      await new Promise((r) => setTimeout(r, 100));
      after = await sender.ask({ cmd: 'stats' });
    }
    if ((after.peers as number) === 2) silentClosedAt = Date.now();
    const errors = (after.errors ?? {}) as Record<string, number>;
    counts.forEach((c, i) => checks.check(c.received === count, `fast peer ${i} got ${String(c.received)} of ${count}`));
    checks.check(silentClosedAt !== undefined, 'the peer that never reads was not dropped');
    checks.check(errors.LIMIT_EXCEEDED === 1, `the sender reported LIMIT_EXCEEDED ${errors.LIMIT_EXCEEDED ?? 0} times (1 expected: the silent peer)`);
    checks.check(burst.error === undefined, `the burst failed: ${String(burst.error)}`);
    return checks.result('slow-reader', `both fast peers get ${count} of ${count} x 1 KiB sent unpaced; the peer that never reads is dropped once it stayed over writeHighWaterBytes for ${slowPeerTimeout} ms without reading`, {
      received: counts.map((c) => c.received),
      burstLoopMs: burst.loopMs,
      sendsReportedFull: burst.full,
      seconds: Math.round(seconds * 10) / 10,
      silentDroppedAfterMs: silentClosedAt === undefined ? null : silentClosedAt - started,
      senderErrors: errors,
      senderRssMiB: toMiB(after.rss as number),
    });
  } finally {
    silent?.destroy();
    await Promise.all(nodes.map((n) => n.close()));
  }
}

export async function burstProcesses(options: { count: number; nodes: number }): Promise<ScenarioResult> {
  const { count } = options;
  const checks = new Checks();
  const nodes = await Promise.all([...Array(options.nodes)].map(() => startNode({})));
  try {
    const n = nodes.length;
    for (let i = 0; i < n; i++) for (const j of new Set([(i + 1) % n, (i + 3) % n])) if (j !== i) await connect(nodes[i]!, nodes[j]!);
    const started = Date.now();
    const burst = await nodes[0]!.ask({ cmd: 'burst', count, bytes: 1024 }, 120_000);
    const counts = await awaitCounts(nodes.slice(1), count, 180_000);
    const seconds = (Date.now() - started) / 1000;
    counts.forEach((c, i) => checks.check(c.received === count, `receiver ${i + 1} got ${String(c.received)} of ${count}`));
    const errors = counts.map((c) => c.errors as Record<string, number>);
    checks.check(burst.error === undefined, `the burst failed: ${String(burst.error)}`);
    return checks.result('burst-processes', `${n - 1} receivers in their own processes each get ${count} of ${count} x 1 KiB sent unpaced`, {
      received: counts.map((c) => c.received),
      burstLoopMs: burst.loopMs,
      sendsReportedFull: burst.full,
      seconds: Math.round(seconds * 10) / 10,
      errors: errors.filter((e) => Object.keys(e).length > 0),
    });
  } finally {
    await Promise.all(nodes.map((n) => n.close()));
  }
}
