/**
 * A pure routing model of a chord ring: no sockets, just ids and adjacency, routed with the
 * socket's own greedy rule (`closestBefore`, PROTOCOL.md 6.2).
 */
import { RING_SIZE, getHashes } from '@p2p/chord';
import { closestAfter, closestBefore } from '../src/routing';

export interface ModelStats {
  mean: number;
  p50: number;
  p99: number;
  max: number;
  correct: number;
  lookups: number;
  degree: number;
}

/** Deterministic pseudo-random numbers (mulberry32), so the figures are reproducible. */
function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * `n` nodes with SHA-384 ids. Every node links to its ring neighbours (what the socket keeps and
 * never trims) plus `random` outgoing links to uniformly chosen nodes (what py2p's peers-driven
 * dialing and trimming leave, roughly); with `fingers`, also to the node nearest at or after
 * `id + 2^(384-j)` for j = 1..log2(n) (Chord-style long-range links). Links are symmetric.
 */
export function simulate(n: number, options: { random?: number; fingers?: boolean; lookups?: number; seed?: number } = {}): ModelStats {
  const { random = 4, fingers = false, lookups = 2000, seed = 1 } = options;
  const next = rng(seed);
  const ids = Array.from({ length: n }, (_, i) => getHashes(`node-${seed}-${i}`)[3]).sort((a, b) => (a < b ? -1 : 1));
  const adj = ids.map(() => new Set<number>());
  const link = (a: number, b: number) => {
    if (a === b) return;
    adj[a]!.add(b);
    adj[b]!.add(a);
  };
  const all = ids.map((id, i) => ({ item: i, id }));
  for (let i = 0; i < n; i++) {
    link(i, (i + 1) % n);
    for (let r = 0; r < random; r++) link(i, Math.floor(next() * n));
    if (fingers) {
      for (let j = 1; 2 ** j <= n; j++) link(i, closestAfter(all, (ids[i]! + (RING_SIZE >> BigInt(j))) % RING_SIZE)!);
    }
  }
  const hops: number[] = [];
  let correct = 0;
  for (let q = 0; q < lookups; q++) {
    const k = getHashes(`key-${seed}-${q}`)[q % 5]!;
    let at = Math.floor(next() * n);
    let h = 0;
    for (;;) {
      // Self first, so it wins ties, as in the socket.
      const cands = [{ item: at, id: ids[at]! }, ...[...adj[at]!].map((j) => ({ item: j, id: ids[j]! }))];
      const to = closestBefore(cands, k)!;
      if (to === at) break;
      at = to;
      h++;
    }
    hops.push(h);
    if (at === closestBefore(all, k)) correct++;
  }
  hops.sort((a, b) => a - b);
  const pct = (p: number) => hops[Math.min(hops.length - 1, Math.floor(p * hops.length))]!;
  return {
    mean: hops.reduce((s, x) => s + x, 0) / hops.length,
    p50: pct(0.5),
    p99: pct(0.99),
    max: hops[hops.length - 1]!,
    correct,
    lookups,
    degree: adj.reduce((s, a) => s + a.size, 0) / n,
  };
}
