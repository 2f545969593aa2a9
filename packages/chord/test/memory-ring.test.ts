/**
 * Real ChordSockets over one in-memory hub (no TCP, no module state), built the way a user
 * would: every node connect()s to ONE bootstrap node and join()s; each socket finds its ring
 * neighbours and fingers from peers lists and dials them itself. Then real get() lookups whose
 * hops are counted from the `retrieve` frames actually written. Bounds, not timing (the figures
 * for 1,024 nodes come from `node tooling/bench/run.mjs chord`).
 */
import { describe, expect, it } from 'vitest';
import { FrameReader, MemoryHub, SubFlags, decodeFrameBody, memoryTransport, type Transport, type TransportConnection } from '@p2p/base';
import { ChordSocket, type ChordSocketOptions } from '@p2p/chord';
import type { MeshConnection } from '@p2p/mesh';
import { waitFor } from '@p2p/testnet';

const N = 256;
const KEYS = 20;
const LOOKUPS = 300;

const text = (b: unknown): string => (b instanceof Uint8Array ? Buffer.from(b).toString('latin1') : String(b));

/** Hop counts per (method, ring key) chain, shared by every node of one test. */
class HopCounter {
  readonly chains = new Map<string, number>();
  /** Frames are decoded only while counting (the ring forms uncounted). */
  active = false;
  clear(): void {
    this.chains.clear();
  }
  /** Counts every `retrieve` in a frame body a node wrote: one hop of its (method, key) chain. */
  frame(body: Uint8Array): void {
    const payload = decodeFrameBody(body, { candidates: [null] }).payload;
    if (payload[0] !== SubFlags.retrieve) return;
    const k = `${text(payload[1])}|${text(payload[2])}`;
    this.chains.set(k, (this.chains.get(k) ?? 0) + 1);
  }
}

/** The hub's transport, with every connection's writes split into frames and shown to `counter`. */
function countingTransport(hub: MemoryHub, counter: HopCounter): Transport {
  const inner = memoryTransport(hub);
  const tap = (conn: TransportConnection): TransportConnection => {
    const reader = new FrameReader();
    const write = conn.write.bind(conn);
    conn.write = (data: Uint8Array): boolean => {
      if (counter.active) for (const body of reader.push(data)) counter.frame(body);
      return write(data);
    };
    return conn;
  };
  return {
    encryption: inner.encryption,
    listen: (options) => inner.listen({ ...options, onConnection: (conn) => options.onConnection(tap(conn)) }),
    dial: async (options) => tap(await inner.dial(options)),
  };
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

/** The reader's own lookups answered from its tables so far (`p2p_chord_lookups_total{origin="self",result="local"}`). */
function localLookups(n: ChordSocket): number {
  const metric = n.metrics().metrics.find((m) => m.name === 'p2p_chord_lookups_total');
  if (!metric || metric.kind === 'histogram') return 0;
  return metric.series.find((s) => s.labels['origin'] === 'self' && s.labels['result'] === 'local')?.value ?? 0;
}
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Deterministic PRNG so runs are comparable. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

describe(`${N} real ChordSockets over one MemoryHub, each connected to one bootstrap node`, () => {
  // A simulation, not a timed test: forming the ring takes about a minute on a loaded 2-core machine.
  it('the sockets find their neighbours and fingers: every get() is correct in at most 6 hops on average, p99 at most 12', { timeout: 600_000 }, async () => {
    const hub = new MemoryHub();
    const counter = new HopCounter();
    const options: ChordSocketOptions = {
      transport: countingTransport(hub, counter),
      // Uncompressed frames: the hop counter decodes what nodes write, and cheaply.
      compression: [],
      handoffOnClose: false,
      republishInterval: 0,
      // No repair pass during the measurement (its retrieves would be counted as lookups).
      republishDelay: 10 * 60_000,
      // No pings between idle simulated nodes.
      liveness: false,
    };
    const nodes: ChordSocket[] = [];
    try {
      const boot = await ChordSocket.listen({ ...options, salt: 'memory-ring-0' });
      boot.join();
      nodes.push(boot);
      for (let i = 1; i < N; i++) {
        const n = await ChordSocket.listen({ ...options, salt: `memory-ring-${i}` });
        nodes.push(n);
        await n.connect(...boot.outAddr);
        n.join();
        if (i % 16 === 0) await sleep(10);
      }
      const sorted = [...nodes].sort((a, b) => (a.idInt < b.idInt ? -1 : 1));
      const idOf = (n: ChordSocket, x: ChordSocket | MeshConnection | undefined): string | undefined => (x === n ? n.id : (x as MeshConnection | undefined)?.peerId);
      // Every node finds its true ring neighbours by itself (greedy routing is then exact).
      await waitFor(
        () => sorted.every((n, i) => idOf(n, n.successor) === sorted[(i + 1) % N]!.id && idOf(n, n.predecessor) === sorted[(i - 1 + N) % N]!.id),
        { timeout: 300_000, interval: 100, message: 'the ring did not close' },
      );
      await sleep(300);
      const degrees = nodes.map((n) => n.peers.size);
      const meanDegree = degrees.reduce((s, d) => s + d, 0) / N;

      const random = rng(42);
      const pick = (): ChordSocket => nodes[Math.floor(random() * N)]!;
      const keys = Array.from({ length: KEYS }, (_, i) => [`key-${i}`, `value-${i}`] as const);
      for (const [k, v] of keys) pick().set(k, v);
      for (let i = 0; i < 20; i++) await tick();
      await sleep(300);

      const hops: number[] = [];
      let correct = 0;
      counter.active = true;
      for (let i = 0; i < LOOKUPS; i++) {
        const [k, v] = keys[i % KEYS]!;
        counter.clear();
        const reader = pick();
        const local0 = localLookups(reader);
        const got = await reader.get(k, undefined, { timeout: 5000 });
        if (got === v) correct++;
        // Let the other tables' chains finish (all delivery is by microtask / immediate).
        for (let t = 0; t < 5; t++) await tick();
        // One chain per table the read asked elsewhere; 0 hops for each it read from its own
        // tables (a read asks three tables first, so not every read looks up all five).
        const chains = [...counter.chains.values()];
        for (let c = localLookups(reader) - local0; c > 0; c--) hops.push(0);
        hops.push(...chains);
      }
      counter.active = false;
      hops.sort((a, b) => a - b);
      const mean = hops.reduce((s, h) => s + h, 0) / hops.length;
      const p99 = hops[Math.floor(0.99 * (hops.length - 1))]!;
      console.log(
        `memory ring: N=${N} ChordSockets joined through one bootstrap node, connections per node mean ${meanDegree.toFixed(1)}, max ${Math.max(...degrees)}, log2 N=${Math.log2(N)}\n` +
          `  ${LOOKUPS} get() lookups (${hops.length} table lookups): hops mean ${mean.toFixed(2)}, p99 ${p99}, max ${hops[hops.length - 1]}; correct ${correct}/${LOOKUPS}`,
      );
      expect(correct).toBe(LOOKUPS);
      expect(mean).toBeLessThanOrEqual(6);
      expect(p99).toBeLessThanOrEqual(12);
      // Bounded: neighbours, about log2 N fingers, and as many nodes using this one as a finger.
      expect(meanDegree).toBeLessThanOrEqual(4 * Math.log2(N));
      // The bootstrap node does not keep every node that ever connected to it.
      expect(boot.peers.size).toBeLessThan(N / 4);
    } finally {
      await Promise.all(nodes.map((n) => n.close()));
      expect(nodes.every((n) => n.closed)).toBe(true);
    }
  });
});
