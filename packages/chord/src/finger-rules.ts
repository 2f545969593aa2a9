/**
 * Finger rules as pure functions (README, "Routing"): which far-away nodes a storing node keeps
 * links to, so greedy routing (PROTOCOL.md 6.2) halves the remaining distance at every hop.
 *
 * Interval `j` (1-based) of a node at `me` holds the ring positions at a clockwise distance in
 * `[RING / 2^j, RING / 2^(j-1))`. Its finger is the known node of that interval nearest to its
 * start (the classic Chord finger, `successor(me + RING / 2^j)`, whenever that node is known).
 * An empty interval has no finger, so a ring of N nodes keeps about log2 N of them, and each node
 * is the finger of about as many others (its in-degree stays near log2 N too).
 */
import { RING_SIZE, distance } from './hashing';
import type { Positioned } from './routing';

const RING_BITS = 384;

/** The interval (1..`count`) of position `x` seen from `me`; undefined for `me` itself or beyond interval `count`. */
export function fingerInterval(me: bigint, x: bigint, count: number): number | undefined {
  const d = distance(me, x, RING_SIZE);
  if (d === 0n) return undefined;
  const j = RING_BITS + 1 - bitLength(d);
  return j >= 1 && j <= count ? j : undefined;
}

/** Clockwise offset of `x` from the start of its interval `j` (smaller is a better finger). */
export function fingerOffset(me: bigint, x: bigint, j: number): bigint {
  return distance(me, x, RING_SIZE) - (RING_SIZE >> BigInt(j));
}

/**
 * The finger of every non-empty interval among `candidates`: per interval, the one nearest its
 * start. At most `count` items, in interval order (farthest first).
 */
export function chooseFingers<T>(candidates: Iterable<Positioned<T>>, me: bigint, count: number): T[] {
  const best = new Map<number, { item: T; offset: bigint }>();
  for (const c of candidates) {
    const j = fingerInterval(me, c.id, count);
    if (j === undefined) continue;
    const offset = fingerOffset(me, c.id, j);
    const current = best.get(j);
    if (!current || offset < current.offset) best.set(j, { item: c.item, offset });
  }
  return [...best.entries()].sort((a, b) => a[0] - b[0]).map(([, v]) => v.item);
}

function bitLength(n: bigint): number {
  if (n === 0n) return 0;
  const hex = n.toString(16);
  return (hex.length - 1) * 4 + (32 - Math.clz32(Number.parseInt(hex[0]!, 16)));
}
