/**
 * Retrievals in flight (PROTOCOL.md 6.4): who waits for the answer to `(method, base58 key)` on
 * this node (own reads, replica repair) and which nodes asked us and get the answer passed on.
 * py2p never forgets them (F3); here every entry has a deadline, the table has a size cap
 * (oldest evicted first), and an entry goes as soon as nobody waits on it any more.
 */
import type { Clock, TimerHandle } from '@p2p/base';
import type { MeshConnection } from '@p2p/mesh';
import { remote, type ChordContext } from './context';
import type { HashMethod } from './hashing';
import { lookupMetrics, type LookupMetrics } from './metrics';
import { forwardedRetrievedMessage, retrieveMessage, sendMessage } from './messages';
import type { Entry } from './tables';

/** Called with each answer (value, or null for nil) and its msgpack bytes. */
export type Waiter = (value: unknown, raw: Uint8Array | undefined) => void;

/** A node that asked us and gets the answer passed on, with method/key echoed as it sent them. */
export interface Requester {
  readonly connection: MeshConnection;
  readonly method: unknown;
  readonly key: unknown;
}

interface PendingLookup {
  readonly id: string;
  readonly waiters: Set<Waiter>;
  requesters: Requester[];
  timer: TimerHandle | undefined;
}

/** What a lookup found: the local entry, or a retrieve sent (release it when done waiting). */
export type LookupResult = { kind: 'local'; value: unknown; entry: Entry | undefined } | { kind: 'remote'; release: () => void };

export class Lookups {
  readonly #ctx: ChordContext;
  readonly #entries = new Map<string, PendingLookup>();
  readonly #max: number;
  readonly #clock: Clock;
  #evicted = 0;
  readonly #metrics: LookupMetrics;

  constructor(ctx: ChordContext) {
    this.#ctx = ctx;
    this.#max = ctx.settings.maxPendingLookups;
    this.#clock = ctx.host.clock;
    this.#metrics = lookupMetrics(ctx.host.metrics, this);
  }

  /** Retrievals in flight. */
  get size(): number {
    return this.#entries.size;
  }

  /** Entries dropped early because the table was full. */
  get evicted(): number {
    return this.#evicted;
  }

  /**
   * PROTOCOL.md 6.4 `lookup`: the local entry when this node is responsible (or nobody is);
   * otherwise a retrieve goes to the node that is, and `waiter` / `requester` wait for the
   * answer (for at least `ttl` ms).
   */
  lookup(method: HashMethod, k: bigint, ttl: number, waiter?: Waiter, requester?: Requester): LookupResult {
    const target = this.#route(k);
    // Never bounce a request back to the node that asked: answer from here instead.
    if (target === undefined || target === requester?.connection) {
      (requester ? this.#metrics.peerLocal : this.#metrics.selfLocal).inc();
      const entry = this.#ctx.store.tables.get(method, k);
      return { kind: 'local', value: entry?.value ?? null, entry };
    }
    if (requester) this.#metrics.hops.inc();
    (requester ? this.#metrics.peerForwarded : this.#metrics.selfRemote).inc();
    return { kind: 'remote', release: this.ask(target, method, k, ttl, waiter, requester) };
  }

  /** Sends a retrieve for `(method, k)` to `connection` and registers who waits; returns the release. */
  ask(connection: MeshConnection, method: HashMethod, k: bigint, ttl: number, waiter?: Waiter, requester?: Requester): () => void {
    const key = this.#ctx.keys.encode(k);
    const entry = this.#ensure(`${method}|${key.text}`, ttl);
    if (requester) entry.requesters.push(requester);
    // A fresh function per call: the same waiter may ask twice and must be released once each.
    const w: Waiter | undefined = waiter ? (value, raw) => waiter(value, raw) : undefined;
    if (w) entry.waiters.add(w);
    sendMessage(this.#ctx.host, connection, retrieveMessage(method, k, key.bytes));
    return () => {
      if (w) entry.waiters.delete(w);
      this.#release(entry);
    };
  }

  /**
   * A `retrieved` for `method|key` arrived on `from`: every waiter hears it, every requester but
   * `from` gets it passed on. A real value ends the requests; a nil one may be a forwarder's
   * first reply, so requesters stay.
   */
  answer(method: string, key: string, value: unknown, raw: Uint8Array | undefined, from: MeshConnection): void {
    const entry = this.#entries.get(`${method}|${key}`);
    if (!entry) return;
    for (const waiter of [...entry.waiters]) waiter(value, raw);
    for (const r of entry.requesters) {
      if (r.connection !== from) sendMessage(this.#ctx.host, r.connection, forwardedRetrievedMessage(r.method, r.key, value, raw));
    }
    if (value !== null) entry.requesters = [];
    this.#release(entry);
  }

  clear(): void {
    for (const id of [...this.#entries.keys()]) this.#remove(id);
  }

  /** Where a retrieve for `k` goes; undefined means "answer from here". */
  #route(k: bigint): MeshConnection | undefined {
    const ctx = this.#ctx;
    if (ctx.host.peers.size > 0) return remote(ctx, ctx.ring.find(k));
    const waiting = ctx.pendingConnections();
    return waiting.length > 0 ? waiting[Math.floor(Math.random() * waiting.length)] : undefined;
  }

  /** The entry for `id`, created if needed; its deadline is pushed to at least `ttl` ms from now. */
  #ensure(id: string, ttl: number): PendingLookup {
    let entry = this.#entries.get(id);
    if (!entry) {
      while (this.#entries.size >= this.#max) {
        this.#remove(this.#entries.keys().next().value as string);
        this.#evicted++;
      }
      entry = { id, waiters: new Set(), requesters: [], timer: undefined };
      this.#entries.set(id, entry);
    }
    if (entry.timer !== undefined) this.#clock.clearTimeout(entry.timer);
    const e = entry;
    entry.timer = this.#clock.setTimeout(() => {
      e.timer = undefined;
      this.#remove(e.id);
    }, ttl);
    return entry;
  }

  /** Drops the entry when nobody waits and no requester is left. */
  #release(entry: PendingLookup): void {
    if (entry.waiters.size === 0 && entry.requesters.length === 0) this.#remove(entry.id);
  }

  #remove(id: string): void {
    const entry = this.#entries.get(id);
    if (!entry) return;
    if (entry.timer !== undefined) this.#clock.clearTimeout(entry.timer);
    this.#entries.delete(id);
  }
}
