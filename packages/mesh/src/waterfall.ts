import { evictionSlack } from '@p2p/base';
import { IdTable } from './id-table';

/** PROTOCOL.md 4.8: broadcasts older than this are dropped, and remembered this long. */
export const WATERFALL_WINDOW_SECONDS = 60;

/** What {@link Waterfall.admit} decided. */
export type WaterfallVerdict = 'new' | 'duplicate' | 'expired';

/**
 * The bounded set of recently seen (message id, timestamp) pairs that stops a broadcast from
 * being delivered or relayed twice (py2p's `waterfalls`, bounded per F3/F6).
 */
export class Waterfall {
  // Insertion order doubles as eviction order when the set is full; each id holds its timestamp.
  readonly #entries: IdTable;
  #lastPrune = -Infinity;
  /** Entries evicted because the set was full (not by age). */
  evicted = 0;
  /** Broadcasts dropped because they were older than the window (clock skew shows up here). */
  expired = 0;

  constructor(max: number) {
    const cap = Math.max(1, max);
    // Evicted at once when full: the oldest eighth (as base's evictOldest), plus the one making room.
    this.#entries = new IdTable(cap, Math.min(evictionSlack(cap), cap - 1) + 1);
  }

  get size(): number {
    return this.#entries.size;
  }

  /**
   * Decides on a received broadcast and, when it is new, remembers it. `now` is in seconds.
   */
  admit(id: Uint8Array, time: number, now: number): WaterfallVerdict {
    if (time < now - WATERFALL_WINDOW_SECONDS) {
      this.expired++;
      return 'expired';
    }
    if (this.#entries.get(id) === time) return 'duplicate';
    this.#insert(id, time);
    this.prune(now);
    return 'new';
  }

  /** Remembers a message this node sent, so its echo is suppressed. */
  remember(id: Uint8Array, time: number, now: number): void {
    if (this.#entries.get(id) !== time) this.#insert(id, time);
    this.prune(now);
  }

  has(id: Uint8Array, time: number): boolean {
    return this.#entries.get(id) === time;
  }

  /**
   * True when a message with this id was admitted or sent and is still remembered, whatever its
   * timestamp: for dropping a duplicate before decoding it (the id, a SHA-256 of the packet,
   * fixes the timestamp of any frame that would verify). The id is `id[at..at+32]`: a frame's
   * checksum read in place.
   */
  seen(id: Uint8Array, at = 0): boolean {
    return this.#entries.hasAt(id, at);
  }

  /**
   * Forgets entries at or past the window (`time <= now - 60`). A full scan, so it runs at most
   * once per second of `now`. Entries dated far in the future (F6) leave by count eviction.
   */
  prune(now: number): void {
    if (now === this.#lastPrune) return;
    this.#lastPrune = now;
    this.#entries.dropAtMost(now - WATERFALL_WINDOW_SECONDS);
  }

  clear(): void {
    this.#entries.clear();
  }

  #insert(id: Uint8Array, time: number): void {
    // A new time for a known id (only a forged packet could have one) replaces the old one in
    // place. Past the bound the oldest eighth goes at once, as every bounded map of the project.
    this.evicted += this.#entries.set(id, time);
  }
}
