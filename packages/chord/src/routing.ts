/**
 * Responsibility and routing rules of PROTOCOL.md 6.2 and 6.8 as pure functions, shared by the
 * socket and the routing simulation.
 */
import { RING_SIZE, distance } from './hashing';

/** A routing candidate: anything with a ring position. */
export interface Positioned<T> {
  readonly item: T;
  readonly id: bigint;
}

/**
 * `find(k)`: the candidate with the smallest `distance(candidate, k)`, i.e. the nearest node at or
 * before `k`. Strict `<`, so the first candidate wins a tie: `first` (self, when storing), then
 * `candidates` in order.
 */
export function closestBefore<T>(candidates: Iterable<Positioned<T>>, k: bigint, first?: Positioned<T>): T | undefined {
  // Reduced once (a SHA-512 key lies beyond the ring), so each candidate costs one subtraction.
  const key = k >= 0n && k < RING_SIZE ? k : distance(0n, k);
  let best: T | undefined;
  let bestDistance = -1n;
  if (first) {
    best = first.item;
    bestDistance = before(first.id, key);
  }
  for (const c of candidates) {
    const d = before(c.id, key);
    if (bestDistance < 0n || d < bestDistance) {
      best = c.item;
      bestDistance = d;
    }
  }
  return best;
}

/**
 * `candidates` in ring order for {@link closestBeforeSorted}: ascending ids, equal ids in the
 * order given (a stable sort), so the first of them is the one {@link closestBefore} would pick.
 * Undefined when an id lies off the ring (then only closestBefore's arithmetic is exact).
 */
export function byPosition<T>(candidates: ReadonlyArray<Positioned<T>>): Array<Positioned<T>> | undefined {
  for (const c of candidates) if (c.id < 0n || c.id >= RING_SIZE) return undefined;
  return [...candidates].sort((x, y) => (x.id < y.id ? -1 : x.id > y.id ? 1 : 0));
}

/**
 * {@link closestBefore} over candidates sorted by {@link byPosition}: the last one at or before
 * `k`, or, when none is, the last one of all (the ring wraps). A binary search of comparisons,
 * where closestBefore subtracts once per candidate (a bigint allocated each time, on every
 * routed message).
 */
export function closestBeforeSorted<T>(sorted: ReadonlyArray<Positioned<T>>, k: bigint): T | undefined {
  if (sorted.length === 0) return undefined;
  const key = k >= 0n && k < RING_SIZE ? k : distance(0n, k);
  // `lo` ends at the first candidate beyond the key.
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]!.id <= key) lo = mid + 1;
    else hi = mid;
  }
  let at = lo === 0 ? sorted.length - 1 : lo - 1;
  // Equal ids are equally near: the first of them wins, as in closestBefore.
  while (at > 0 && sorted[at - 1]!.id === sorted[at]!.id) at--;
  return sorted[at]!.item;
}

/** `distance(id, key)` for a key already on the ring. */
function before(id: bigint, key: bigint): bigint {
  if (id < 0n || id >= RING_SIZE) return distance(id, key);
  const d = key - id;
  return d < 0n ? d + RING_SIZE : d;
}

/** `find_prev(k)`: the candidate with the smallest `distance(k, candidate)` (nearest at or after `k`). */
export function closestAfter<T>(candidates: Iterable<Positioned<T>>, k: bigint): T | undefined {
  let best: T | undefined;
  let bestDistance = -1n;
  for (const c of candidates) {
    const d = distance(k, c.id);
    if (bestDistance < 0n || d < bestDistance) {
      best = c.item;
      bestDistance = d;
    }
  }
  return best;
}

/**
 * PROTOCOL.md 6.8: among storing peers sorted by id, every circular triple (a, b, c) whose middle
 * is eligible (py2p: an outgoing connection); returns the middle of the triple with the smallest
 * `distance(a, c)`, or undefined with fewer than three peers or no eligible middle.
 */
export function leastEfficient<T>(peers: ReadonlyArray<Positioned<T>>, eligible: (item: T) => boolean): T | undefined {
  if (peers.length < 3) return undefined;
  const sorted = [...peers].sort((x, y) => (x.id < y.id ? -1 : x.id > y.id ? 1 : 0));
  let best: T | undefined;
  let bestDistance = -1n;
  for (let i = 0; i < sorted.length; i++) {
    const a = sorted[(i + sorted.length - 1) % sorted.length]!;
    const b = sorted[i]!;
    const c = sorted[(i + 1) % sorted.length]!;
    if (!eligible(b.item)) continue;
    const d = distance(a.id, c.id);
    if (bestDistance < 0n || d < bestDistance) {
      best = b.item;
      bestDistance = d;
    }
  }
  return best;
}

/**
 * The `count` candidates nearest behind `me` (smallest `distance(candidate, me)`, excluding `me`
 * itself), nearest first: the nodes that take over `me`'s range, in turn, if it and the ones
 * before them vanish.
 */
export function nearestBehind<T>(candidates: Iterable<Positioned<T>>, me: bigint, count: number): T[] {
  return nearest(candidates, me, count, (c) => distance(c, me));
}

/** The `count` candidates nearest ahead of `me` (smallest `distance(me, candidate)`, excluding `me`), nearest first. */
export function nearestAhead<T>(candidates: Iterable<Positioned<T>>, me: bigint, count: number): T[] {
  return nearest(candidates, me, count, (c) => distance(me, c));
}

function nearest<T>(candidates: Iterable<Positioned<T>>, me: bigint, count: number, by: (id: bigint) => bigint): T[] {
  if (count <= 0) return [];
  const sorted = [...candidates].filter((c) => c.id !== me).map((c) => [by(c.id), c.item] as const);
  sorted.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return sorted.slice(0, count).map(([, item]) => item);
}
