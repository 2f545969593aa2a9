import { evictOldest } from '@p2p/base';

/** PROTOCOL.md 4.8: broadcasts older than this are dropped, and remembered this long. */
export const WATERFALL_WINDOW_SECONDS = 60;

/** What {@link Waterfall.admit} decided. */
export type WaterfallVerdict = 'new' | 'duplicate' | 'expired';

/**
 * The bounded set of recently seen (message id, timestamp) pairs that stops a broadcast from
 * being delivered or relayed twice (py2p's `waterfalls`, bounded per F3/F6).
 */
export class Waterfall {
  readonly #max: number;
  // Insertion order doubles as eviction order when the set is full. Key: the id; value: its timestamp.
  readonly #entries = new Map<string, number>();
  #lastPrune = -Infinity;
  /** Entries evicted because the set was full (not by age). */
  evicted = 0;
  /** Broadcasts dropped because they were older than the window (clock skew shows up here). */
  expired = 0;

  constructor(max: number) {
    this.#max = Math.max(1, max);
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
    const key = entryKey(id);
    if (this.#entries.get(key) === time) return 'duplicate';
    this.#insert(key, time);
    this.prune(now);
    return 'new';
  }

  /** Remembers a message this node sent, so its echo is suppressed. */
  remember(id: Uint8Array, time: number, now: number): void {
    const key = entryKey(id);
    if (this.#entries.get(key) !== time) this.#insert(key, time);
    this.prune(now);
  }

  has(id: Uint8Array, time: number): boolean {
    return this.#entries.get(entryKey(id)) === time;
  }

  /**
   * True when a message with this id was admitted or sent and is still remembered, whatever its
   * timestamp: for dropping a duplicate before decoding it (the id, a SHA-256 of the packet,
   * fixes the timestamp of any frame that would verify).
   */
  seen(id: Uint8Array): boolean {
    return this.#entries.has(entryKey(id));
  }

  /**
   * Forgets entries at or past the window (`time <= now - 60`). A full scan, so it runs at most
   * once per second of `now`. Entries dated far in the future (F6) leave by count eviction.
   */
  prune(now: number): void {
    if (now === this.#lastPrune) return;
    this.#lastPrune = now;
    const limit = now - WATERFALL_WINDOW_SECONDS;
    for (const [key, time] of this.#entries) if (time <= limit) this.#entries.delete(key);
  }

  clear(): void {
    this.#entries.clear();
  }

  #insert(key: string, time: number): void {
    // A new time for a known id (only a forged packet could have one) refreshes the entry.
    this.#entries.delete(key);
    this.#entries.set(key, time);
    // The oldest eighth at once: one walk over V8's deleted-entry holes per batch, not per insert.
    this.evicted += evictOldest(this.#entries, this.#max);
  }
}

// Keyed by the id alone, one UTF-16 unit per two id bytes: no hex, no concatenation, a call of
// fixed arity (several times faster than spreading the bytes). A verified id determines its
// packet, timestamp included, so (id, timestamp) pairs (PROTOCOL.md 4.8) need only the id as
// key; the timestamp is the value, for pruning and for `has`. Ids are 32 bytes (SHA-256).
function entryKey(id: Uint8Array): string {
  const u = (i: number): number => (id[i]! << 8) | id[i + 1]!;
  return String.fromCharCode(
    u(0), u(2), u(4), u(6), u(8), u(10), u(12), u(14),
    u(16), u(18), u(20), u(22), u(24), u(26), u(28), u(30),
  );
}
