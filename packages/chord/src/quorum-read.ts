/**
 * One read of a key (PROTOCOL.md 6.5): five tables asked, the first value three of them agree
 * on wins. {@link decideQuorum} is the pure decision over the answers so far; {@link SlotRead}
 * asks, hears answers, re-asks, and settles on a policy's decision: {@link QuorumRead} with
 * decideQuorum for `get()`, records-read.ts for signed records.
 */
import { AbortError, KeyNotFoundError, TimeoutError, encodeMsgpack, toHex, type Clock, type P2PError, type TimerHandle } from '@p2p/base';
import { NoConsensusError } from './errors';
import { HASH_METHODS } from './hashing';
import type { LookupResult } from './lookups';
import { AGREEMENT } from './options';

/** How often a read asks again the tables that answered nil. */
export const GET_RETRY_MS = 250;

/**
 * One table's answer so far: `open` (none yet), `nil` (nil, which a forwarder sends before the
 * real value, so not final) or `final` (a value, or a local nil). `enc` identifies a value.
 */
export interface SlotAnswer {
  readonly state: 'open' | 'nil' | 'final';
  readonly value: unknown;
  /** The value's msgpack bytes as hex; undefined for nil. */
  readonly enc?: string | undefined;
}

export type QuorumDecision =
  | { readonly kind: 'value'; readonly value: unknown }
  | { readonly kind: 'wait' }
  | { readonly kind: 'no-consensus' }
  | { readonly kind: 'timeout' }
  | { readonly kind: 'not-found' };

/**
 * The decision over `answers` (one per table): a value once {@link AGREEMENT} agree; `wait` while
 * the open slots (and, before the deadline, the nil ones) could still make some value reach it;
 * else `no-consensus` when some value was answered, `timeout` at the deadline (`final`), and
 * `not-found` when final nils (tables local to this node) leave too few slots for three.
 */
export function decideQuorum(answers: readonly SlotAnswer[], final: boolean): QuorumDecision {
  const counts = new Map<string, { n: number; value: unknown }>();
  let open = 0;
  let answered = 0;
  for (const slot of answers) {
    if (slot.state === 'open' || (slot.state === 'nil' && !final)) open++;
    if (slot.enc === undefined) continue;
    answered++;
    const c = counts.get(slot.enc) ?? { n: 0, value: slot.value };
    c.n++;
    counts.set(slot.enc, c);
  }
  let best: { n: number; value: unknown } | undefined;
  for (const c of counts.values()) if (!best || c.n > best.n) best = c;
  if (best && best.n >= AGREEMENT) return { kind: 'value', value: best.value };
  if (!final && (best?.n ?? 0) + open >= AGREEMENT) return { kind: 'wait' };
  if (answered > 0) return { kind: 'no-consensus' };
  return final ? { kind: 'timeout' } : { kind: 'not-found' };
}

export interface QuorumReadOptions {
  /** The user key, for error details. */
  readonly key: Uint8Array;
  readonly timeout: number;
  readonly signal?: AbortSignal | undefined;
  readonly clock: Clock;
  /** Looks table `i` up; `onAnswer` hears each remote answer (its value, and its msgpack bytes when known). */
  lookup(i: number, onAnswer: (value: unknown, raw?: Uint8Array) => void): LookupResult;
  /** True once the node closed: retries stop. */
  isClosed(): boolean;
}

/** How a read turns answers into a result: what {@link SlotRead} asks of its policy. */
export interface ReadPolicy {
  /** Table `i` answered `value` (null for nil) with msgpack bytes `raw`; `local` when from this node's own table (final). */
  record(i: number, value: unknown, raw: Uint8Array | undefined, local: boolean): void;
  /** A retry round begins (every {@link GET_RETRY_MS}); returns the tables to ask again. */
  retry(): number[];
  /** `undefined` to wait; else the result, or the error to reject with. `final` at the deadline. */
  decide(final: boolean): { readonly value: unknown } | { readonly error: P2PError } | undefined;
}

/**
 * One read of five tables: asks them, hears their answers, re-asks on each retry round and
 * settles on its policy's decision, the deadline, an abort, or {@link fail}.
 */
export class SlotRead {
  readonly #opts: QuorumReadOptions;
  readonly #policy: ReadPolicy;
  readonly #releases: Array<() => void> = [];
  #timer: TimerHandle | undefined;
  #retryTimer: TimerHandle | undefined;
  #settle: { resolve(value: unknown): void; reject(error: P2PError): void } | undefined;
  #done = false;

  constructor(options: QuorumReadOptions, policy: ReadPolicy) {
    this.#opts = options;
    this.#policy = policy;
  }

  /** Asks all five tables; resolves with the policy's result or rejects with its error. */
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
    HASH_METHODS.forEach((_, i) => this.#ask(i));
    this.#scheduleRetry();
    this.#decide(false);
    return promise;
  }

  /** Ends the read with `error` (the node closed). */
  fail(error: P2PError): void {
    this.#finish(undefined, error);
  }

  #ask(i: number): void {
    const result = this.#opts.lookup(i, (value, raw) => {
      this.#policy.record(i, value ?? null, raw, false);
      this.#decide(false);
    });
    if (result.kind === 'local') this.#policy.record(i, result.value ?? null, result.entry?.raw, true);
    else this.#releases.push(result.release);
  }

  /** A nil answer may be stale (a write still in flight) or a forwarder's first reply: ask again. */
  #scheduleRetry(): void {
    this.#retryTimer = this.#opts.clock.setTimeout(() => {
      if (this.#done || this.#opts.isClosed()) return;
      for (const i of this.#policy.retry()) this.#ask(i);
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
    signal?.removeEventListener('abort', this.#onAbort);
    for (const release of this.#releases) release();
    if (error) this.#settle!.reject(error);
    else this.#settle!.resolve(value);
  }
}

/** The plain read of `get()`: {@link decideQuorum} over the answers. */
export class QuorumRead extends SlotRead {
  constructor(options: QuorumReadOptions) {
    super(options, new QuorumPolicy(options));
  }
}

class QuorumPolicy implements ReadPolicy {
  readonly #opts: QuorumReadOptions;
  readonly #answers: SlotAnswer[] = HASH_METHODS.map(() => ({ state: 'open', value: null }));

  constructor(options: QuorumReadOptions) {
    this.#opts = options;
  }

  record(i: number, value: unknown, _raw: Uint8Array | undefined, local: boolean): void {
    if (this.#answers[i]!.state === 'final') return;
    this.#answers[i] =
      value === null || value === undefined
        ? { state: local ? 'final' : 'nil', value: null }
        : { state: 'final', value, enc: toHex(encodeMsgpack(value)) };
  }

  retry(): number[] {
    return this.#answers.flatMap((slot, i) => (slot.state === 'nil' ? [i] : []));
  }

  decide(final: boolean): { value: unknown } | { error: P2PError } | undefined {
    const decision = decideQuorum(this.#answers, final);
    const details = { key: toHex(this.#opts.key) };
    switch (decision.kind) {
      case 'wait':
        return undefined;
      case 'value':
        return { value: decision.value };
      case 'no-consensus':
        return { error: new NoConsensusError('the replicas of this key disagree', { details }) };
      case 'timeout': {
        const timeout = this.#opts.timeout;
        return { error: new TimeoutError(`get timed out after ${timeout} ms`, { details: { ...details, timeout } }) };
      }
      case 'not-found':
        return { error: new KeyNotFoundError('no such key', { details }) };
    }
  }
}
