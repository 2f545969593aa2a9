/**
 * Deletes remembered as versions (tombstones), so a delete can win against an older value that
 * comes back from a peer that never heard of it (a join replay after a partition, a late store).
 * Bounded two ways: a tombstone older than `keepSeconds` (by the delete's own timestamp) is
 * forgotten, and beyond `maxCount` the oldest inserted is evicted (counted in `evicted`).
 */
import { evictOldest } from '@p2p/base';
import type { SyncMeta } from './lease';
import type { WriteProof } from './signed-writes';

/** One recorded delete. `seq` is the local change counter when it was recorded. */
export interface Tombstone extends SyncMeta {
  readonly key: Uint8Array;
  readonly seq: number;
  /** Never a value: tells a tombstone from an entry. */
  readonly raw?: undefined;
  /** In an authenticated subnet, the owner's signature of this delete. */
  readonly proof?: WriteProof;
}

/** How long a delete is remembered by default: a day (partitions longer than that may resurrect it). */
export const DEFAULT_TOMBSTONE_SECONDS = 86_400;
/** How many deletes are remembered by default. */
export const DEFAULT_MAX_TOMBSTONES = 100_000;

export class Tombstones {
  readonly #byId = new Map<string, Tombstone>();
  readonly #keepSeconds: number;
  readonly #maxCount: number;
  #prunedAt = Number.NEGATIVE_INFINITY;
  /** Tombstones dropped because the table was full (not by age). */
  evicted = 0;

  constructor(options: { keepSeconds: number; maxCount: number }) {
    this.#keepSeconds = options.keepSeconds;
    this.#maxCount = options.maxCount;
  }

  get size(): number {
    return this.#byId.size;
  }

  get(id: string, now: number): Tombstone | undefined {
    const t = this.#byId.get(id);
    if (t !== undefined && this.#expired(t, now)) {
      this.#byId.delete(id);
      return undefined;
    }
    return t;
  }

  /** Records (or replaces) the tombstone of `id`; prunes expired ones and evicts past the cap. */
  set(id: string, tombstone: Tombstone, now: number): void {
    this.#byId.delete(id);
    if (this.#maxCount <= 0) return;
    this.#byId.set(id, tombstone);
    // A full scan at most once a minute (or when full), so a burst of deletes stays linear.
    if (now - this.#prunedAt >= 60 || this.#byId.size > this.#maxCount) this.prune(now);
    this.evicted += evictOldest(this.#byId, this.#maxCount);
  }

  delete(id: string): void {
    this.#byId.delete(id);
  }

  /** Forgets every tombstone past its keep period. Insertion order is not time order: scans all. */
  prune(now: number): void {
    this.#prunedAt = now;
    for (const [id, t] of this.#byId) if (this.#expired(t, now)) this.#byId.delete(id);
  }

  /** Live tombstones recorded after local change `seq`. */
  *changedSince(seq: number, now: number): IterableIterator<Tombstone> {
    for (const t of [...this.#byId.values()]) if (t.seq > seq && !this.#expired(t, now)) yield t;
  }

  #expired(t: Tombstone, now: number): boolean {
    return t.timestamp < now - this.#keepSeconds;
  }
}
