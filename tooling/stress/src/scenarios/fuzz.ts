/**
 * Fuzz at a live node: a target MeshSocket in a child process, two honest nodes connected only
 * through it, and raw TCP clients writing hostile frames at it (some after a handshake, most
 * without): random well-formed packets, then often one frame that must end the link (garbage,
 * lying lengths, bad checksums, deep nesting, decode and decompression bombs). Meanwhile one
 * honest node broadcasts and the other must receive every message through the target.
 * Goal: the target never crashes, its RSS grows less than 64 MiB after a warm-up (the first
 * 50,000 frames, or a tenth of a shorter run), honest traffic is complete.
 */
import net from 'node:net';
import { MainFlags, SubFlags, base58Encode, concatBytes, encodeFrame, utf8Encode } from '@p2p/base';
import { MeshSocket } from '@p2p/mesh';
import { startTarget } from '../child';
import type { TargetStats } from '../target-protocol';
import { bombFamily, fatalFrame, prng, randomPacketFrame, type Rand } from '../hostile';
import { Checks, MiB, toMiB, type ScenarioResult } from '../report';

export interface FuzzOptions {
  /** Frames to write in all. */
  frames: number;
  /** Raw connections open at once. @default 8 */
  concurrency?: number;
  seed?: number;
}

const RSS_GROWTH_GOAL = 64 * MiB;
const POOL_SIZE = 4000;
const WARMUP_FRAMES = 50_000;

export async function fuzz(options: FuzzOptions): Promise<ScenarioResult> {
  const { frames, concurrency = 8, seed = 1 } = options;
  const checks = new Checks();
  const target = await startTarget({ kind: 'mesh' });
  const honest = await Promise.all([0, 1].map(() => MeshSocket.listen({ host: '127.0.0.1', maxOutgoing: 0, limits: { maxPeersPerList: 0 } })));
  const [h1, h2] = honest as [MeshSocket, MeshSocket];
  try {
    await h1.connect('127.0.0.1', target.port);
    await h2.connect('127.0.0.1', target.port);
    // Smaller bombs keep the generator quick; the full-size ones are the amplification scenario's.
    const bombs = bombFamily(1 / 16).map((b) => b.frame);
    // A seeded pool of frames, drawn from for every connection: generating (and compressing)
    // each frame afresh would make the generator, not the target, the bottleneck.
    const poolRand = prng(seed);
    const pool = [...Array(POOL_SIZE)].map(() => randomPacketFrame(poolRand));
    const fatal = [...Array(POOL_SIZE / 10)].map(() => fatalFrame(poolRand, bombs));
    const before = await target.gc();

    let received = 0;
    h2.on('message', (m) => {
      if (m.sender === h1.id && m.packets[1] === 'honest') received++;
    });
    let sent = 0;
    let fuzzing = true;
    const honestLoop = (async () => {
      while (fuzzing) {
        for (let i = 0; i < 5; i++) h1.send(['honest', sent++]);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    })();

    const started = Date.now();
    let written = 0;
    let connections = 0;
    // RSS is judged from the end of a warm-up (JIT, allocator pools and socket buffers settle in
    // the first frames); growth from the cold start is reported too.
    const warmup = Math.min(WARMUP_FRAMES, Math.floor(frames / 10));
    let warm: Promise<TargetStats> | undefined;
    const worker = async (w: number): Promise<void> => {
      const r = prng(seed * 1000 + w);
      while (written < frames) {
        if (warm === undefined && written >= warmup) warm = target.gc();
        const batch = buildBatch(r, target.protocolId, pool, fatal);
        written += batch.count;
        connections++;
        await writeAndWait(target.port, batch.bytes);
      }
    };
    await Promise.all([...Array(concurrency)].map((_, w) => worker(w)));
    const seconds = (Date.now() - started) / 1000;
    const warmed = await (warm ?? target.gc());
    fuzzing = false;
    await honestLoop;

    const deadline = Date.now() + 15_000;
    while (received < sent && Date.now() < deadline && target.alive()) await new Promise((resolve) => setTimeout(resolve, 50));
    const alive = target.alive();
    const after = alive ? await target.gc() : undefined;
    const growth = after === undefined ? Number.NaN : after.rss - warmed.rss;
    checks.check(alive, `target crashed (${target.exit()})`);
    checks.check(growth < RSS_GROWTH_GOAL, `RSS grew ${toMiB(growth)} MiB after the warm-up`);
    checks.check(received === sent, `honest traffic: ${received} of ${sent} arrived`);
    checks.check(after?.peers.includes(h1.id) === true && after.peers.includes(h2.id), 'an honest peer lost its link to the target');
    return checks.result('fuzz', 'no crash, target RSS growth after the warm-up < 64 MiB, every honest message through the target', {
      frames: written,
      connections,
      seconds: Math.round(seconds * 10) / 10,
      framesPerSecond: Math.round(written / seconds),
      rssAtStartMiB: toMiB(before.rss),
      warmupFrames: warmup,
      rssAfterWarmupMiB: toMiB(warmed.rss),
      rssAfterMiB: after === undefined ? null : toMiB(after.rss),
      rssGrowthMiB: toMiB(growth),
      rssGrowthFromStartMiB: after === undefined ? null : toMiB(after.rss - before.rss),
      peakHeapMiB: after === undefined ? null : toMiB(after.peakHeap),
      // Where the RSS is, after a collection: V8's reserved heap and buffers outside it.
      heapTotalStartMiB: toMiB(before.heapTotal),
      heapTotalAfterMiB: after === undefined ? null : toMiB(after.heapTotal),
      externalAfterMiB: after === undefined ? null : toMiB(after.external),
      honestSent: sent,
      honestReceived: received,
      targetErrors: after?.errors,
    });
  } finally {
    await Promise.all(honest.map((h) => h.close()));
    await target.close();
  }
}

/** One connection's bytes: maybe a handshake, random packets, often a fatal frame at the end. */
function buildBatch(r: Rand, protocolId: string, pool: readonly Uint8Array[], fatal: readonly Uint8Array[]): { bytes: Uint8Array; count: number } {
  const parts: Uint8Array[] = [];
  if (r() < 0.3) {
    const id = base58Encode(crypto.getRandomValues(new Uint8Array(48)));
    parts.push(
      encodeFrame({
        type: MainFlags.whisper,
        sender: id,
        time: Math.floor(Date.now() / 1000),
        payload: [SubFlags.handshake, utf8Encode(id), utf8Encode(protocolId), ['127.0.0.1', 1], []],
      }),
    );
  }
  const k = Math.floor(r() * 200);
  for (let i = 0; i < k; i++) parts.push(pool[Math.floor(r() * pool.length)]!);
  if (r() < 0.7) parts.push(fatal[Math.floor(r() * fatal.length)]!);
  return { bytes: concatBytes(...parts), count: parts.length };
}

/** Writes `bytes` on a fresh connection, half-closes, and waits (briefly) for the node to close it. */
function writeAndWait(port: number, bytes: Uint8Array): Promise<void> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    const timer = setTimeout(() => socket.destroy(), 500);
    socket.on('error', () => {});
    socket.on('close', () => {
      clearTimeout(timer);
      resolve();
    });
    socket.on('data', () => {});
    socket.on('connect', () => socket.end(bytes));
  });
}
