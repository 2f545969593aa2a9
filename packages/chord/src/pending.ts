/**
 * Pending retrievals keyed by `(method, base58 key)` (PROTOCOL.md 6.4). py2p never removes them
 * (F3); here every entry has a deadline, the table has a size cap (oldest evicted first), and an
 * entry goes as soon as nobody waits on it any more.
 */
import type { Clock, TimerHandle } from '@p2p/base';
import type { MeshConnection } from '@p2p/mesh';

/** Called with each answer (value, or null for nil) and its msgpack bytes. */
export type Waiter = (value: unknown, raw: Uint8Array | undefined) => void;

/** A node that asked us and gets the answer passed on, with method/key echoed as it sent them. */
export interface Requester {
  readonly connection: MeshConnection;
  readonly method: unknown;
  readonly key: unknown;
}

export interface PendingLookup {
  readonly id: string;
  readonly waiters: Set<Waiter>;
  requesters: Requester[];
  timer: TimerHandle | undefined;
}

export class PendingLookups {
  readonly #entries = new Map<string, PendingLookup>();
  readonly #max: number;
  readonly #clock: Clock;
  #evicted = 0;

  constructor(max: number, clock: Clock) {
    this.#max = max;
    this.#clock = clock;
  }

  get(id: string): PendingLookup | undefined {
    return this.#entries.get(id);
  }

  /** The entry for `id`, created if needed; its deadline is pushed to at least `ttl` ms from now. */
  ensure(id: string, ttl: number): PendingLookup {
    let entry = this.#entries.get(id);
    if (!entry) {
      while (this.#entries.size >= this.#max) {
        const oldest = this.#entries.keys().next().value as string;
        this.remove(oldest);
        this.#evicted++;
      }
      entry = { id, waiters: new Set(), requesters: [], timer: undefined };
      this.#entries.set(id, entry);
    }
    if (entry.timer !== undefined) this.#clock.clearTimeout(entry.timer);
    const e = entry;
    entry.timer = this.#clock.setTimeout(() => {
      e.timer = undefined;
      this.remove(e.id);
    }, ttl);
    return entry;
  }

  /** Drops the entry when nobody waits and no requester is left. */
  release(entry: PendingLookup): void {
    if (entry.waiters.size === 0 && entry.requesters.length === 0) this.remove(entry.id);
  }

  remove(id: string): void {
    const entry = this.#entries.get(id);
    if (!entry) return;
    if (entry.timer !== undefined) this.#clock.clearTimeout(entry.timer);
    this.#entries.delete(id);
  }

  clear(): void {
    for (const id of [...this.#entries.keys()]) this.remove(id);
  }

  get size(): number {
    return this.#entries.size;
  }

  /** Entries dropped early because the table was full. */
  get evicted(): number {
    return this.#evicted;
  }
}
