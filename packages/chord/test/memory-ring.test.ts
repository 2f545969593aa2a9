/**
 * 1,024 real ChordSockets over one in-memory hub (no TCP, no module state): a bounded topology
 * (ring successor + Chord-style fingers, built with explicit connect() calls, auto-connect off),
 * then real get() lookups whose hops are counted from the `retrieve` frames actually written.
 */
import { describe, expect, it } from 'vitest';
import { FrameReader, MemoryHub, SubFlags, decodeFrameBody, memoryTransport, type Transport, type TransportConnection } from '@p2p/base';
import { ChordSocket, RING_SIZE, type ChordSocketOptions } from '@p2p/chord';
import type { MeshConnection } from '@p2p/mesh';

const N = 1024;
const KEYS = 20;
const LOOKUPS = 500;
const FINGERS = 10;

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
    const payload = decodeFrameBody(body, { candidates: [null, 0x13, 0x11, 0x20] }).payload;
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
      for (const body of reader.push(data)) if (counter.active) counter.frame(body);
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

describe(`${N} real ChordSockets over one MemoryHub`, () => {
  // A simulation, not a timed test: 1,024 nodes take 45 s on a quiet 2-core machine and over 2 min on a loaded one.
  it('bounded ring + fingers: every get() returns the value; hops reported against log2 N', { timeout: 300_000 }, async () => {
    const t0 = Date.now();
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
      trimConnections: false,
      // The test builds a fixed topology: no pings between idle simulated nodes, no re-dials.
      liveness: false,
      reconnect: false,
      // A hard cap per node; the topology needs about 2 * (1 + FINGERS) on average.
      // maxPeersPerList 0: no automatic dials from peers lists (the test builds the topology).
      limits: { maxConnections: 128, maxPendingConnections: 64, maxPeersPerList: 0 },
    };
    const nodes: ChordSocket[] = [];
    try {
      for (let i = 0; i < N; i++) nodes.push(await ChordSocket.listen({ ...options, salt: `memory-ring-${i}` }));
      const sorted = [...nodes].sort((a, b) => (a.idInt < b.idInt ? -1 : 1));
      const ids = sorted.map((n) => n.idInt);
      // First node at or after ring position x.
      const successorIndex = (x: bigint): number => {
        let lo = 0;
        let hi = ids.length;
        while (lo < hi) {
          const mid = (lo + hi) >> 1;
          if (ids[mid]! < x) lo = mid + 1;
          else hi = mid;
        }
        return lo % ids.length;
      };
      // Edges: successor, plus fingers to the node nearest at or after id + RING/2^j.
      const edges = new Set<string>();
      const pairs: [number, number][] = [];
      const add = (a: number, b: number): void => {
        if (a === b) return;
        const key = a < b ? `${a}-${b}` : `${b}-${a}`;
        if (edges.has(key)) return;
        edges.add(key);
        pairs.push([a, b]);
      };
      sorted.forEach((n, i) => {
        add(i, (i + 1) % N);
        for (let j = 1; j <= FINGERS; j++) add(i, successorIndex((n.idInt + RING_SIZE / 2n ** BigInt(j)) % RING_SIZE));
      });
      for (let b = 0; b < pairs.length; b += 500) {
        await Promise.all(
          pairs.slice(b, b + 500).map(([a, c]) => {
            const addr = sorted[c]!.outAddr;
            return sorted[a]!.connect(addr[0], addr[1]);
          }),
        );
      }
      for (const n of nodes) n.join();
      for (let i = 0; i < 20; i++) await tick();
      await sleep(200);
      const degrees = sorted.map((n) => n.peers.size);
      const meanDegree = degrees.reduce((s, d) => s + d, 0) / N;
      // Every node sees its true ring neighbours (greedy routing is then exact).
      sorted.forEach((n, i) => {
        expect((n.successor as MeshConnection | undefined)?.peerId).toBe(sorted[(i + 1) % N]!.id);
        expect((n.predecessor as MeshConnection | undefined)?.peerId).toBe(sorted[(i - 1 + N) % N]!.id);
      });
      const tBuilt = Date.now();

      const random = rng(42);
      const pick = (): ChordSocket => nodes[Math.floor(random() * N)]!;
      const keys = Array.from({ length: KEYS }, (_, i) => [`key-${i}`, `value-${i}`] as const);
      for (const [k, v] of keys) pick().set(k, v);
      for (let i = 0; i < 20; i++) await tick();
      await sleep(200);

      const hops: number[] = [];
      let correct = 0;
      counter.active = true;
      for (let i = 0; i < LOOKUPS; i++) {
        const [k, v] = keys[i % KEYS]!;
        counter.clear();
        const got = await pick().get(k, undefined, { timeout: 5000 });
        if (got === v) correct++;
        // Let the other tables' chains finish (all delivery is by microtask / immediate).
        for (let t = 0; t < 5; t++) await tick();
        // One chain per hash table not held by the reader itself (0 hops when local).
        const chains = [...counter.chains.values()];
        for (let c = chains.length; c < 5; c++) hops.push(0);
        hops.push(...chains);
      }
      counter.active = false;
      const tLooked = Date.now();
      hops.sort((a, b) => a - b);
      const mean = hops.reduce((s, h) => s + h, 0) / hops.length;
      const p50 = hops[Math.floor(0.5 * (hops.length - 1))]!;
      const p99 = hops[Math.floor(0.99 * (hops.length - 1))]!;
      const max = hops[hops.length - 1]!;
      console.log(
        `memory ring: N=${N} real ChordSockets, ${pairs.length} connections (mean degree ${meanDegree.toFixed(1)}, max ${Math.max(...degrees)}), log2 N=${Math.log2(N)}\n` +
          `  ${LOOKUPS} get() lookups (${hops.length} table lookups): hops mean ${mean.toFixed(2)}, p50 ${p50}, p99 ${p99}, max ${max}; correct ${correct}/${LOOKUPS}\n` +
          `  build+join ${tBuilt - t0} ms, set+lookups ${tLooked - tBuilt} ms, ${hub.bytesDelivered} bytes through the hub`,
      );
      expect(correct).toBe(LOOKUPS);
      // O(N log N) connections in total, bounded per node.
      expect(pairs.length).toBeLessThanOrEqual(N * (1 + FINGERS));
      expect(Math.max(...degrees)).toBeLessThanOrEqual(128);
    } finally {
      await Promise.all(nodes.map((n) => n.close()));
      expect(nodes.every((n) => n.closed)).toBe(true);
    }
  });
});
