/**
 * The waterfall's store (waterfall.ts): 32-byte message ids, each with a number (its timestamp),
 * oldest first, in typed arrays. A Map keyed by a string of the id cost a string per lookup and
 * a few dependent memory loads per probe; every frame of a broadcast asks once, duplicates
 * included. Here a lookup hashes the id's bytes and compares them in place.
 *
 * The ids sit in a ring in insertion order (the oldest leave first) and an open-addressing index
 * (linear probing, at most half full) points into it. The hash mixes two words of the id with
 * a random seed of each table, so a peer cannot grind ids into one long probe chain. The ring
 * starts small and doubles up to the bound: an idle node holds a few kilobytes.
 */

/** Bytes per id (SHA-256). */
export const ID_BYTES = 32;
/** Ring slots of a new table. */
const INITIAL_SLOTS = 64;

export class IdTable {
  readonly #max: number;
  readonly #evictBatch: number;
  readonly #seedA: number;
  readonly #seedB: number;
  /** Ring slots: ids (ID_BYTES each) and their numbers. */
  #slots = 0;
  #ids = new Uint8Array(0);
  #values = new Float64Array(0);
  /** The ring slot of the oldest entry; entries fill `#count` slots from it, without holes. */
  #head = 0;
  #count = 0;
  /** Index: ring slot + 1 per position, 0 for none; twice the slots, a power of two. */
  #index = new Int32Array(0);
  #mask = 0;

  /** At most `max` entries (at least 1); a full table drops its oldest `evictBatch` at once (at least one). */
  constructor(max: number, evictBatch = 1) {
    this.#max = Math.max(1, Math.floor(max));
    this.#evictBatch = Math.max(1, Math.floor(evictBatch));
    const seeds = globalThis.crypto.getRandomValues(new Uint32Array(2));
    this.#seedA = seeds[0]!;
    this.#seedB = seeds[1]!;
  }

  get size(): number {
    return this.#count;
  }

  /** The number held for the id, or undefined. */
  get(id: Uint8Array): number | undefined {
    const slot = this.#find(id, 0);
    return slot < 0 ? undefined : this.#values[slot];
  }

  has(id: Uint8Array): boolean {
    return this.#find(id, 0) >= 0;
  }

  /** {@link has} for the id at `bytes[at..at+32]` (a frame's checksum, read in place). */
  hasAt(bytes: Uint8Array, at: number): boolean {
    return this.#find(bytes, at) >= 0;
  }

  /**
   * Holds `value` for the id (a known id keeps its place in the order). When the table is full,
   * first drops its oldest `evictBatch` entries and returns how many it dropped.
   */
  set(id: Uint8Array, value: number): number {
    const known = this.#find(id, 0);
    if (known >= 0) {
      this.#values[known] = value;
      return 0;
    }
    let evicted = 0;
    if (this.#count >= this.#max) evicted = this.#dropOldest(Math.min(this.#count, this.#evictBatch));
    if (this.#count === this.#slots) this.#resize(Math.min(Math.max(INITIAL_SLOTS, this.#slots * 2), ringSlotsFor(this.#max)));
    const slot = (this.#head + this.#count) & (this.#slots - 1);
    // Byte by byte: a subarray to copy from would be an allocation per insert.
    const ids = this.#ids;
    for (let i = 0, at = slot * ID_BYTES; i < ID_BYTES; i++) ids[at + i] = id[i]!;
    this.#values[slot] = value;
    this.#count++;
    this.#link(slot);
    return evicted;
  }

  /** Drops every entry whose number is at most `limit`, keeping the order of the rest; returns how many. */
  dropAtMost(limit: number): number {
    const before = this.#count;
    const mask = this.#slots - 1;
    let kept = 0;
    for (let i = 0; i < before; i++) {
      const from = (this.#head + i) & mask;
      if (this.#values[from]! <= limit) continue;
      const to = (this.#head + kept) & mask;
      if (to !== from) {
        this.#ids.copyWithin(to * ID_BYTES, from * ID_BYTES, from * ID_BYTES + ID_BYTES);
        this.#values[to] = this.#values[from]!;
      }
      kept++;
    }
    if (kept === before) return 0;
    this.#count = kept;
    this.#reindex();
    return before - kept;
  }

  clear(): void {
    this.#slots = 0;
    this.#ids = new Uint8Array(0);
    this.#values = new Float64Array(0);
    this.#index = new Int32Array(0);
    this.#mask = 0;
    this.#head = 0;
    this.#count = 0;
  }

  /** The hash of the id at `id[offset..offset+32]` (a lookup's own id, or one stored in the ring). */
  #hash(id: Uint8Array, offset: number): number {
    const a = (id[offset]! | (id[offset + 1]! << 8) | (id[offset + 2]! << 16) | (id[offset + 3]! << 24)) ^ this.#seedA;
    const b = (id[offset + 4]! | (id[offset + 5]! << 8) | (id[offset + 6]! << 16) | (id[offset + 7]! << 24)) ^ this.#seedB;
    let h = Math.imul(a ^ (a >>> 16), 0x7feb352d) ^ b;
    h = Math.imul(h ^ (h >>> 15), 0x846ca68b);
    return (h ^ (h >>> 16)) >>> 0;
  }

  /** The ring slot holding the id at `id[offset..offset+32]`, or -1. */
  #find(id: Uint8Array, offset: number): number {
    if (this.#count === 0) return -1;
    const index = this.#index;
    const ids = this.#ids;
    const mask = this.#mask;
    for (let at = this.#hash(id, offset) & mask; ; at = (at + 1) & mask) {
      const entry = index[at]!;
      if (entry === 0) return -1;
      const base = (entry - 1) * ID_BYTES;
      let i = 0;
      while (i < ID_BYTES && ids[base + i] === id[offset + i]) i++;
      if (i === ID_BYTES) return entry - 1;
    }
  }

  /** Puts ring slot `slot` (its id already stored) into the index. */
  #link(slot: number): void {
    const index = this.#index;
    const mask = this.#mask;
    let at = this.#hash(this.#ids, slot * ID_BYTES) & mask;
    while (index[at] !== 0) at = (at + 1) & mask;
    index[at] = slot + 1;
  }

  /** Takes ring slot `slot` out of the index, shifting back the entries probed past it. */
  #unlink(slot: number): void {
    const index = this.#index;
    const mask = this.#mask;
    let hole = this.#hash(this.#ids, slot * ID_BYTES) & mask;
    while (index[hole] !== slot + 1) hole = (hole + 1) & mask;
    for (let at = (hole + 1) & mask; index[at] !== 0; at = (at + 1) & mask) {
      const home = this.#hash(this.#ids, (index[at]! - 1) * ID_BYTES) & mask;
      // The entry at `at` may fill the hole unless its home lies cyclically in (hole, at].
      if (((at - home) & mask) >= ((at - hole) & mask)) {
        index[hole] = index[at]!;
        hole = at;
      }
    }
    index[hole] = 0;
  }

  #dropOldest(n: number): number {
    for (let i = 0; i < n; i++) {
      this.#unlink(this.#head);
      this.#head = (this.#head + 1) & (this.#slots - 1);
      this.#count--;
    }
    return n;
  }

  /** New ring of `slots` slots (a power of two) holding the entries from slot 0, oldest first. */
  #resize(slots: number): void {
    const ids = new Uint8Array(slots * ID_BYTES);
    const values = new Float64Array(slots);
    // The entries in two runs: from the head to the ring's end, then from its start.
    const first = Math.min(this.#count, this.#slots - this.#head);
    ids.set(this.#ids.subarray(this.#head * ID_BYTES, (this.#head + first) * ID_BYTES), 0);
    values.set(this.#values.subarray(this.#head, this.#head + first), 0);
    ids.set(this.#ids.subarray(0, (this.#count - first) * ID_BYTES), first * ID_BYTES);
    values.set(this.#values.subarray(0, this.#count - first), first);
    this.#slots = slots;
    this.#ids = ids;
    this.#values = values;
    this.#head = 0;
    this.#reindex();
  }

  #reindex(): void {
    if (this.#index.length !== this.#slots * 2) {
      this.#index = new Int32Array(this.#slots * 2);
      this.#mask = this.#slots * 2 - 1;
    } else {
      this.#index.fill(0);
    }
    const mask = this.#slots - 1;
    for (let i = 0; i < this.#count; i++) this.#link((this.#head + i) & mask);
  }
}

/** The ring's final size: the smallest power of two that holds `max` entries. */
function ringSlotsFor(max: number): number {
  let slots = INITIAL_SLOTS;
  while (slots < max) slots *= 2;
  return slots;
}
