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
/** 2^i for every bit length a ring distance can have, so bit lengths need no allocation. */
const POWERS: readonly bigint[] = Array.from({ length: RING_BITS + 2 }, (_, i) => 1n << BigInt(i));

/** Where a position falls among the intervals of `me`: the interval and the offset from its start. */
export interface FingerPlace {
  readonly interval: number;
  readonly offset: bigint;
}

/** The interval (1..`count`) of position `x` seen from `me` and its offset; undefined for `me` itself or beyond interval `count`. */
export function fingerPlace(me: bigint, x: bigint, count: number): FingerPlace | undefined {
  const d = distance(me, x, RING_SIZE);
  if (d === 0n) return undefined;
  const bits = bitLength(d);
  const interval = RING_BITS + 1 - bits;
  if (interval < 1 || interval > count) return undefined;
  return { interval, offset: d - POWERS[bits - 1]! };
}

/** The interval of `x` seen from `me` (see {@link fingerPlace}). */
export function fingerInterval(me: bigint, x: bigint, count: number): number | undefined {
  return fingerPlace(me, x, count)?.interval;
}

/**
 * The finger of every non-empty interval among `placed` (items with their place): per interval,
 * the one nearest its start. In interval order (farthest first).
 */
export function pickFingers<T>(placed: Iterable<{ readonly item: T; readonly place: FingerPlace | undefined }>): T[] {
  return [...bestPerInterval(placed)].sort((a, b) => a[0] - b[0]).map(([, v]) => v.item);
}

function bestPerInterval<T>(placed: Iterable<{ readonly item: T; readonly place: FingerPlace | undefined }>): Map<number, { item: T; offset: bigint }> {
  const best = new Map<number, { item: T; offset: bigint }>();
  for (const { item, place } of placed) {
    if (!place) continue;
    const current = best.get(place.interval);
    if (!current || place.offset < current.offset) best.set(place.interval, { item, offset: place.offset });
  }
  return best;
}

/**
 * The fingers to keep, per interval: the best of `all` (linked and not), unless the best linked
 * node of that interval is less than `factor` times farther from the interval's start; then that
 * link stays. Without this, every slightly nearer node heard of would cost a new link and the
 * close of the old one while a ring grows; with it, a node's finger is still within `factor` of
 * the exact one, so each node stays the finger of about log2 N others.
 */
export function settleFingers<T>(
  linked: Iterable<{ readonly item: T; readonly place: FingerPlace | undefined }>,
  all: Iterable<{ readonly item: T; readonly place: FingerPlace | undefined }>,
  factor: bigint,
): T[] {
  const bestLinked = bestPerInterval(linked);
  const out: T[] = [];
  for (const [interval, best] of [...bestPerInterval(all)].sort((a, b) => a[0] - b[0])) {
    const held = bestLinked.get(interval);
    out.push(held && held.offset < best.offset * factor + 1n ? held.item : best.item);
  }
  return out;
}

/** {@link pickFingers} over positioned candidates seen from `me`, at most `count` intervals. */
export function chooseFingers<T>(candidates: Iterable<Positioned<T>>, me: bigint, count: number): T[] {
  return pickFingers([...candidates].map((c) => ({ item: c.item, place: fingerPlace(me, c.id, count) })));
}

/** Bit length of a positive ring distance: a float estimate, corrected exactly against powers of two. */
function bitLength(d: bigint): number {
  let e = Math.min(RING_BITS, Math.max(0, Math.floor(Math.log2(Number(d)))));
  while (e > 0 && POWERS[e]! > d) e--;
  while (e < RING_BITS && POWERS[e + 1]! <= d) e++;
  return e + 1;
}
