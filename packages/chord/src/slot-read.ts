/**
 * One read of a key's five tables (PROTOCOL.md 6.5), whatever decides it: {@link SlotRead} asks
 * the tables, hears their answers, asks more when the first ones cannot decide or are slow (the
 * hedge delay, answer-times.ts), re-asks nil tables every {@link GET_RETRY_MS}, and settles on its
 * {@link ReadPolicy}'s decision, the deadline, an abort, or `fail`. quorum-read.ts holds the plain
 * `get()` policy (three agreeing answers), records-read.ts the signed-record one.
 */
import { AbortError, LimitExceededError, type Clock, type P2PError, type TimerHandle } from '@p2p/base';
import { HASH_METHODS } from './hashing';
import { NO_RAW, type LookupResult, type RawOf } from './lookups';

/** How often a read asks again the tables that answered nil. */
export const GET_RETRY_MS = 250;

/**
 * A hedge whose wait found this node's event loop busy for at least this share of the time
 * (loop-load.ts) waits one more hedge delay first: the answers it would hedge against may be
 * queued behind this node's own work (or a garbage collection), not late at the peers.
 */
export const HEDGE_BUSY_SHARE = 0.9;

export interface QuorumReadOptions {
  /** The user key, for error details. */
  readonly key: Uint8Array;
  readonly timeout: number;
  readonly signal?: AbortSignal | undefined;
  readonly clock: Clock;
  /** Looks table `i` up; `onAnswer` hears each remote answer (its value, and its msgpack bytes on demand). */
  lookup(i: number, onAnswer: (value: unknown, raw: RawOf) => void): LookupResult;
  /** True once the node closed: retries stop. */
  isClosed(): boolean;
  /** Whether table `i` is this node's own (answered without a message): such tables are asked first. */
  isLocal?(i: number): boolean;
  /**
   * Milliseconds to wait for the tables asked first before asking the rest; 0 or absent asks
   * every table at once. Read once, when the read starts.
   */
  hedgeDelay?(): number;
  /**
   * Whether a remote nil answer means an empty table: true when this node is linked to every
   * storing node it knows, so the node it asked is the responsible one and no forwarder. Otherwise
   * a nil is treated as silence (the value may follow it) and only the hedge asks more tables.
   * Absent: true.
   */
  nilIsFinal?(): boolean;
  /**
   * Marks the event loop's load when a hedge is armed; the function returned tells the share of
   * the time since that the loop was busy (loop-load.ts). Absent, or returning undefined: no such
   * figure, and a hedge that fires on time asks at once.
   */
  loopLoad?(): (() => number) | undefined;
}

/** How a read turns answers into a result: what {@link SlotRead} asks of its policy. */
export interface ReadPolicy {
  /** Table `i` answered `value` (null for nil) with msgpack bytes `raw()`; `local` when from this node's own table (final). */
  record(i: number, value: unknown, raw: RawOf, local: boolean): void;
  /** A retry round begins (every {@link GET_RETRY_MS}); returns the tables to ask again. */
  retry(): number[];
  /** `undefined` to wait; else the result, or the error to reject with. `final` at the deadline. */
  decide(final: boolean): { readonly value: unknown } | { readonly error: P2PError } | undefined;
  /**
   * Tables worth asking before any answer, when the read may hedge: fewer than five only when
   * that many agreeing answers can settle it. Absent: all five.
   */
  readonly firstAsks?: number;
  /**
   * Whether the tables asked so far (`asked[i]`) can no longer settle the read alone: then the rest
   * are asked at once. `nilOpen`: a remote nil may still be followed by the value.
   */
  fallsShort?(asked: readonly boolean[], nilOpen: boolean): boolean;
}

/**
 * One read of five tables: asks them (a few first when the policy and the hedge delay allow),
 * hears their answers, asks the rest when the first ones fall short or the hedge delay passes,
 * re-asks nil tables on each retry round and settles on its policy's decision, the deadline, an
 * abort, or {@link fail}.
 */
export class SlotRead {
  readonly #opts: QuorumReadOptions;
  readonly #policy: ReadPolicy;
  readonly #releases: Array<() => void> = [];
  readonly #asked: boolean[] = HASH_METHODS.map(() => false);
  readonly #heardFrom: boolean[] = HASH_METHODS.map(() => false);
  /** Whether a remote nil may be a forwarder's first reply (decided when the read starts). */
  #nilOpen = false;
  /** The order tables are asked in: local ones first. */
  #order: number[] = HASH_METHODS.map((_, i) => i);
  #unasked: number = HASH_METHODS.length;
  #timer: TimerHandle | undefined;
  #retryTimer: TimerHandle | undefined;
  #hedgeTimer: TimerHandle | undefined;
  #settle: { resolve(value: unknown): void; reject(error: P2PError): void } | undefined;
  #done = false;

  constructor(options: QuorumReadOptions, policy: ReadPolicy) {
    this.#opts = options;
    this.#policy = policy;
  }

  /** Asks the first tables; resolves with the policy's result or rejects with its error. */
  run(): Promise<unknown> {
    const promise = new Promise<unknown>((resolve, reject) => (this.#settle = { resolve, reject }));
    const { signal, clock, timeout } = this.#opts;
    if (signal?.aborted) {
      this.#done = true;
      this.#settle!.reject(new AbortError('read was aborted', { cause: signal.reason }));
      return promise;
    }
    signal?.addEventListener('abort', this.#onAbort, { once: true });
    this.#timer = clock.setTimeout(() => this.#decide(true), timeout);
    this.#askFirst();
    if (!this.#done) this.#scheduleRetry();
    this.#decide(false);
    return promise;
  }

  /** Ends the read with `error` (the node closed). */
  fail(error: P2PError): void {
    this.#finish(undefined, error);
  }

  /**
   * Every local table (free), then remote ones up to the policy's first asks. Each hedge delay
   * without a decision, one more table is asked per asked table still silent.
   */
  #askFirst(): void {
    const { isLocal, hedgeDelay } = this.#opts;
    const first = this.#policy.firstAsks ?? HASH_METHODS.length;
    const delay = first < HASH_METHODS.length ? (hedgeDelay?.() ?? 0) : 0;
    if (!(delay > 0)) return this.#askRest();
    this.#nilOpen = this.#opts.nilIsFinal?.() === false;
    const local = this.#order.filter((i) => isLocal?.(i) === true);
    if (local.length > 0) this.#order = [...local, ...this.#order.filter((i) => !local.includes(i))];
    this.#askNext(Math.max(first, local.length));
    if (this.#done || this.#unasked === 0) return;
    if (this.#policy.fallsShort?.(this.#asked, this.#nilOpen) !== false) return this.#askRest();
    this.#armHedge(delay);
  }

  #armHedge(delay: number): void {
    const clock = this.#opts.clock;
    const armed = clock.now();
    const busy = this.#opts.loopLoad?.();
    let waitedAgain = false;
    const hedge = (late: boolean): void => {
      this.#hedgeTimer = undefined;
      if (this.#done || this.#opts.isClosed()) return;
      // A timer that fired late found this node busy, not the peers slow: their answers may be
      // waiting unread, so the event loop gets one turn to read them before the hedge.
      if (late) {
        this.#hedgeTimer = clock.setTimeout(() => hedge(false), 0);
        return;
      }
      // On time, but the loop was busy for nearly the whole wait (its own work, a garbage
      // collection): the answers may be queued behind it. One more delay, then the hedge. In the
      // chord benchmark (eight nodes on one loop) tables asked per get fell from 3.2-3.4 to 3.0
      // and the get p99 by about a fifth (7 alternating pairs of runs).
      if (!waitedAgain && busy !== undefined && busy() >= HEDGE_BUSY_SHARE) {
        waitedAgain = true;
        this.#hedgeTimer = clock.setTimeout(() => hedge(false), delay);
        return;
      }
      const silent = this.#order.filter((i) => this.#asked[i] && !this.#heardFrom[i]).length;
      this.#askNext(Math.max(1, silent));
      if (this.#unasked > 0 && !this.#done) this.#armHedge(delay);
      this.#decide(false);
    };
    this.#hedgeTimer = clock.setTimeout(() => hedge(clock.now() - armed > delay * 1.5), delay);
  }

  /** Asks the next `count` tables not asked yet, in asking order. */
  #askNext(count: number): void {
    for (const i of this.#order) {
      if (count <= 0 || this.#done) return;
      if (this.#asked[i]) continue;
      this.#ask(i);
      count--;
    }
  }

  #askRest(): void {
    if (this.#hedgeTimer !== undefined) {
      this.#opts.clock.clearTimeout(this.#hedgeTimer);
      this.#hedgeTimer = undefined;
    }
    this.#askNext(HASH_METHODS.length);
  }

  #ask(i: number): void {
    if (!this.#asked[i]) {
      this.#asked[i] = true;
      this.#unasked--;
    }
    let result: LookupResult;
    try {
      result = this.#opts.lookup(i, (value, raw) => this.#heard(i, value ?? null, raw));
    } catch (error) {
      // The pending-lookup table is full of other reads: this read fails, typed, at once.
      if (error instanceof LimitExceededError) return this.fail(error);
      // The retrieve could not go out (its link is closing): like a nil, asked again next round.
      this.#heardFrom[i] = true;
      this.#policy.record(i, null, NO_RAW, false);
      return;
    }
    if (result.kind === 'local') {
      this.#heardFrom[i] = true;
      const raw = result.entry?.raw;
      this.#policy.record(i, result.value ?? null, () => raw, true);
    } else this.#releases.push(result.release);
  }

  #heard(i: number, value: unknown, raw: RawOf): void {
    if (this.#done) return;
    // A nil that may be a forwarder's first reply leaves the table silent for the hedge.
    if (value !== null || !this.#nilOpen) this.#heardFrom[i] = true;
    this.#policy.record(i, value, raw, false);
    if (this.#unasked > 0 && this.#policy.fallsShort?.(this.#asked, this.#nilOpen) !== false) this.#askRest();
    this.#decide(false);
  }

  /** A nil answer may be stale (a write still in flight) or a forwarder's first reply: ask again. */
  #scheduleRetry(): void {
    this.#retryTimer = this.#opts.clock.setTimeout(() => {
      if (this.#done || this.#opts.isClosed()) return;
      const again = this.#policy.retry();
      this.#askRest();
      for (const i of again) if (!this.#done) this.#ask(i);
      this.#decide(false);
      if (!this.#done) this.#scheduleRetry();
    }, GET_RETRY_MS);
  }

  #decide(final: boolean): void {
    if (this.#done) return;
    const decision = this.#policy.decide(final);
    if (decision === undefined) return;
    if ('error' in decision) this.#finish(undefined, decision.error);
    else this.#finish(decision.value);
  }

  readonly #onAbort = (): void => {
    this.#finish(undefined, new AbortError('read was aborted', { cause: this.#opts.signal?.reason }));
  };

  #finish(value: unknown, error?: P2PError): void {
    if (this.#done) return;
    this.#done = true;
    const { clock, signal } = this.#opts;
    clock.clearTimeout(this.#timer);
    clock.clearTimeout(this.#retryTimer);
    if (this.#hedgeTimer !== undefined) clock.clearTimeout(this.#hedgeTimer);
    signal?.removeEventListener('abort', this.#onAbort);
    for (const release of this.#releases) release();
    if (error) this.#settle!.reject(error);
    else this.#settle!.resolve(value);
  }
}
