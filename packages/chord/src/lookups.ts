/**
 * Retrievals in flight (PROTOCOL.md 6.4): who waits for the answer to `(method, base58 key)` on
 * this node (own reads, replica repair) and which nodes asked us and get the answer passed on.
 * py2p never forgets them (F3); here every entry has a deadline (one sweep timer for the table,
 * not one timer per entry), the table has a size cap, and an entry goes as soon as nobody waits
 * on it any more. A full table makes room by evicting its oldest entry no own read waits on (a
 * repair probe, or a peer's request; a repair probe takes the place of another probe only); an
 * own read is never evicted, so when none may go the new lookup is refused with `LIMIT_EXCEEDED`.
 * Answer times of this node's own retrieves feed the hedge delay of its reads (answer-times.ts).
 */
import { LimitExceededError, utf8Encode, type Clock, type TimerHandle } from '@p2p/base';
import type { MeshConnection } from '@p2p/mesh';
import { AnswerTimes, clampHedge } from './answer-times';
import { remote, type ChordContext } from './context';
import type { HashMethod } from './hashing';
import { lookupMetrics, type LookupMetrics } from './metrics';
import { forwardedRetrievedMessage, retrieveMessage, sendMessage } from './messages';
import { ringKeyText } from './ring-key-codec';
import type { Entry } from './tables';

/** An answer's msgpack bytes, read on demand (undefined for nil, or when they cannot be read). */
export type RawOf = () => Uint8Array | undefined;

/** The bytes of an answer that has none (nil). */
export const NO_RAW: RawOf = () => undefined;

/** Called with each answer (value, or null for nil) and its msgpack bytes. */
export type Waiter = (value: unknown, raw: RawOf) => void;

/** A node that asked us and gets the answer passed on, with method/key echoed as it sent them. */
export interface Requester {
  readonly connection: MeshConnection;
  readonly method: unknown;
  readonly key: unknown;
}

/** Who asks: this node's own read (a get, a records read), or its replica repair. */
export type AskKind = 'read' | 'repair';

interface PendingLookup {
  readonly id: string;
  readonly waiters: Set<Waiter>;
  /** Waiters that are own reads (never evicted). */
  reads: number;
  requesters: Requester[];
  /** The links its retrieves went out on and no value came back by yet (see {@link Lookups.linkClosed}). */
  readonly via: Set<MeshConnection>;
  /** Clock time after which the sweep drops the entry. */
  deadline: number;
}

/** Milliseconds between sweeps of expired entries (an entry outlives its deadline by at most this). */
export const SWEEP_MS = 1000;

/** What a lookup found: the local entry, or a retrieve sent (release it when done waiting). */
export type LookupResult = { kind: 'local'; value: unknown; entry: Entry | undefined } | { kind: 'remote'; release: () => void };

export class Lookups {
  readonly #ctx: ChordContext;
  readonly #entries = new Map<string, PendingLookup>();
  readonly #max: number;
  readonly #clock: Clock;
  #evicted = 0;
  #sweep: TimerHandle | undefined;
  readonly #metrics: LookupMetrics;
  readonly #times = new AnswerTimes();

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

  /** How long a read waits for the tables it asked first before asking the rest (the `hedgeDelay` setting). */
  hedgeDelay(): number {
    const setting = this.#ctx.settings.hedgeDelay;
    return setting === 'adaptive' ? this.#times.hedgeDelay() : setting === 0 ? 0 : clampHedge(setting);
  }


  /**
   * PROTOCOL.md 6.4 `lookup`: the local entry when this node is responsible (or nobody is);
   * otherwise a retrieve goes to the node that is, and `waiter` / `requester` wait for the
   * answer (for at least `ttl` ms).
   */
  lookup(method: HashMethod, k: bigint, ttl: number, waiter?: Waiter, requester?: Requester): LookupResult {
    return this.lookupVia(this.route(k), method, k, ttl, waiter, requester);
  }

  /** {@link lookup} with its route (`route(k)`, just computed) given. */
  lookupVia(target: MeshConnection | undefined, method: HashMethod, k: bigint, ttl: number, waiter?: Waiter, requester?: Requester): LookupResult {
    // Never bounce a request back to the node that asked: answer from here instead.
    if (target === undefined || target === requester?.connection) {
      (requester ? this.#metrics.peerLocal : this.#metrics.selfLocal).inc();
      const entry = this.#ctx.store.tables.get(method, k);
      return { kind: 'local', value: entry?.value ?? null, entry };
    }
    let release: () => void;
    try {
      release = this.ask(target, method, k, ttl, waiter, requester);
    } catch (err) {
      // The link to the responsible node is going away: a peer's request is answered from here
      // (it asks again if that was nil); this node's own read hears the failure.
      if (!requester) throw err;
      this.#metrics.peerLocal.inc();
      const entry = this.#ctx.store.tables.get(method, k);
      return { kind: 'local', value: entry?.value ?? null, entry };
    }
    if (requester) this.#metrics.hops.inc();
    (requester ? this.#metrics.peerForwarded : this.#metrics.selfRemote).inc();
    return { kind: 'remote', release };
  }

  /**
   * Sends a retrieve for `(method, k)` to `connection` and registers who waits; returns the
   * release. Throws what the send throws (the link is closing), or `LimitExceededError` when the
   * table has no room for a new entry (see the file comment), with nothing left registered.
   */
  ask(connection: MeshConnection, method: HashMethod, k: bigint, ttl: number, waiter?: Waiter, requester?: Requester, kind: AskKind = 'read'): () => void {
    const keyText = ringKeyText(k);
    const isRead = waiter !== undefined && kind === 'read';
    const entry = this.#ensure(`${method}|${keyText}`, ttl, requester ? 'peer' : kind);
    if (requester) entry.requesters.push(requester);
    // A fresh function per call: the same waiter may ask twice and must be released once each.
    let w: Waiter | undefined;
    if (waiter) {
      const sent = this.#clock.now();
      let timed = false;
      // Timed to the first value: a nil may be a forwarder's first reply, ahead of the value.
      w = (value, raw) => {
        if (!timed && value !== null) {
          timed = true;
          this.#times.observe(this.#clock.now() - sent);
        }
        waiter(value, raw);
      };
      entry.waiters.add(w);
      if (isRead) entry.reads++;
    }
    const unwait = (): void => {
      if (w && entry.waiters.delete(w) && isRead) entry.reads--;
    };
    const release = (): void => {
      unwait();
      if (requester) entry.requesters = entry.requesters.filter((r) => r !== requester);
      this.#release(entry);
    };
    try {
      sendMessage(this.#ctx.host, connection, retrieveMessage(method, k, utf8Encode(keyText)));
    } catch (err) {
      release();
      throw err;
    }
    entry.via.add(connection);
    return () => {
      unwait();
      this.#release(entry);
    };
  }

  /**
   * A `retrieved` for `method|key` arrived on `from`: every waiter hears it, every requester but
   * `from` gets it passed on. A real value ends the requests; a nil one may be a forwarder's
   * first reply, so requesters stay.
   */
  answer(method: string, key: string, value: unknown, raw: RawOf, from: MeshConnection): void {
    const entry = this.#entries.get(`${method}|${key}`);
    if (!entry) return;
    for (const waiter of [...entry.waiters]) waiter(value, raw);
    for (const r of entry.requesters) {
      if (r.connection !== from) sendMessage(this.#ctx.host, r.connection, forwardedRetrievedMessage(r.method, r.key, value, raw()));
    }
    if (value !== null) {
      entry.requesters = [];
      entry.via.clear();
    }
    this.#release(entry);
  }

  /**
   * `connection` closed: a retrieve that went out on it and has no value yet will get none from
   * there (the request or its answer went down with the link, or the peer read it while closing
   * and could not answer). Where no other link carries a request for the same slot, its waiters
   * hear nil, which a read asks again on its next round and a repair probe confirms again, by
   * the routes left, instead of waiting out their deadlines. Requesters already had their nil.
   */
  linkClosed(connection: MeshConnection): void {
    for (const entry of [...this.#entries.values()]) {
      if (!entry.via.delete(connection) || entry.via.size > 0) continue;
      for (const waiter of [...entry.waiters]) waiter(null, NO_RAW);
    }
  }

  clear(): void {
    this.#entries.clear();
    this.#clock.clearTimeout(this.#sweep);
    this.#sweep = undefined;
  }

  /** Where a retrieve for `k` goes now (PROTOCOL.md 6.4 `lookup`); undefined means "answer from here". */
  route(k: bigint): MeshConnection | undefined {
    const ctx = this.#ctx;
    if (ctx.host.peers.size > 0) return remote(ctx, ctx.ring.find(k));
    const waiting = ctx.pendingConnections();
    return waiting.length > 0 ? waiting[Math.floor(Math.random() * waiting.length)] : undefined;
  }

  /**
   * The entry for `id`, created if needed (room made as the file comment says, else
   * `LimitExceededError`); its deadline is pushed to at least `ttl` ms from now.
   */
  #ensure(id: string, ttl: number, kind: AskKind | 'peer'): PendingLookup {
    const deadline = this.#clock.now() + ttl;
    let entry = this.#entries.get(id);
    if (!entry) {
      while (this.#entries.size >= this.#max) this.#evictFor(kind);
      entry = { id, waiters: new Set(), reads: 0, requesters: [], via: new Set(), deadline };
      this.#entries.set(id, entry);
    } else if (entry.deadline < deadline) entry.deadline = deadline;
    if (this.#sweep === undefined) this.#sweep = this.#clock.setTimeout(this.#sweepExpired, SWEEP_MS);
    return entry;
  }

  /** Evicts the oldest entry a `kind` lookup may take the place of, or throws `LimitExceededError`. */
  #evictFor(kind: AskKind | 'peer'): void {
    for (const [id, e] of this.#entries) {
      if (e.reads > 0 || (kind === 'repair' && e.requesters.length > 0)) continue;
      this.#entries.delete(id);
      this.#evicted++;
      return;
    }
    throw new LimitExceededError(`${this.#max} retrievals are pending (maxPendingLookups) and none may make room for this one`, {
      details: { maxPendingLookups: this.#max, kind },
    });
  }

  /** Drops the entries past their deadline; runs again while any are left. */
  readonly #sweepExpired = (): void => {
    this.#sweep = undefined;
    const now = this.#clock.now();
    for (const [id, entry] of this.#entries) if (entry.deadline <= now) this.#entries.delete(id);
    if (this.#entries.size > 0) this.#sweep = this.#clock.setTimeout(this.#sweepExpired, SWEEP_MS);
  };

  /** Drops the entry when nobody waits and no requester is left. */
  #release(entry: PendingLookup): void {
    if (entry.waiters.size === 0 && entry.requesters.length === 0 && this.#entries.get(entry.id) === entry) this.#entries.delete(entry.id);
  }
}
