/**
 * A `Map` keyed by ring keys (bigint) that stays fast. V8 hashes a BigInt by its lowest 64-bit
 * digit only, and three of the five tables' keys are hashes shifted left by 128 bits or more
 * (PROTOCOL.md 2.5: SHA-1 << 224, SHA-224 << 160, SHA-256 << 128), so their lowest digit is
 * always zero: in a plain `Map<bigint, V>` they all share one hash bucket and every operation
 * walks all of them (quadratic; 1,000 entries cost 10 ms per lookup). Keys are stored as
 * `k ^ (k >> 256)`, a bijection that moves high bits into the low digit.
 */
const FOLD = 256n;

/** The stored form of ring key `k`. */
export function mixRingKey(k: bigint): bigint {
  return k ^ (k >> FOLD);
}

/** The inverse of {@link mixRingKey}. */
export function unmixRingKey(y: bigint): bigint {
  let x = y;
  for (let prev = -1n; x !== prev; ) {
    prev = x;
    x = y ^ (x >> FOLD);
  }
  return x;
}

export class RingKeyMap<V> {
  readonly #map = new Map<bigint, V>();

  get size(): number {
    return this.#map.size;
  }

  get(k: bigint): V | undefined {
    return this.#map.get(mixRingKey(k));
  }

  has(k: bigint): boolean {
    return this.#map.has(mixRingKey(k));
  }

  set(k: bigint, value: V): this {
    this.#map.set(mixRingKey(k), value);
    return this;
  }

  delete(k: bigint): boolean {
    return this.#map.delete(mixRingKey(k));
  }

  clear(): void {
    this.#map.clear();
  }

  *entries(): IterableIterator<[bigint, V]> {
    for (const [y, value] of this.#map) yield [unmixRingKey(y), value];
  }

  *keys(): IterableIterator<bigint> {
    for (const y of this.#map.keys()) yield unmixRingKey(y);
  }

  values(): IterableIterator<V> {
    return this.#map.values();
  }

  [Symbol.iterator](): IterableIterator<[bigint, V]> {
    return this.entries();
  }
}
