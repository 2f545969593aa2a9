/**
 * One read of a key (PROTOCOL.md 6.5): five tables asked, the first value three of them agree
 * on wins. {@link decideQuorum} is the pure decision over the answers so far; {@link QuorumRead}
 * asks, records, re-asks nil slots, and settles on that decision.
 */
import { AbortError, KeyNotFoundError, TimeoutError, encodeMsgpack, toHex, type Clock, type P2PError, type TimerHandle } from '@p2p/base';
import { NoConsensusError } from './errors';
import { HASH_METHODS } from './hashing';
import type { LookupResult } from './lookups';
import { AGREEMENT } from './options';

/** How often a read asks again the tables that answered nil. */
const GET_RETRY_MS = 250;

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
  /** Looks table `i` up; `onAnswer` hears each remote answer. */
  lookup(i: number, onAnswer: (value: unknown) => void): LookupResult;
  /** True once the node closed: retries stop. */
  isClosed(): boolean;
}

export class QuorumRead {
  readonly #opts: QuorumReadOptions;
  readonly #answers: SlotAnswer[] = HASH_METHODS.map(() => ({ state: 'open', value: null }));
  readonly #releases: Array<() => void> = [];
  #timer: TimerHandle | undefined;
  #retryTimer: TimerHandle | undefined;
  #settle: { resolve(value: unknown): void; reject(error: P2PError): void } | undefined;
  #done = false;

  constructor(options: QuorumReadOptions) {
    this.#opts = options;
  }

  /** Asks all five tables; resolves with the agreed value or rejects with the decision's error. */
  run(): Promise<unknown> {
    const promise = new Promise<unknown>((resolve, reject) => (this.#settle = { resolve, reject }));
    const { signal, clock, timeout } = this.#opts;
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
    const result = this.#opts.lookup(i, (value) => {
      this.#record(i, value, false);
      this.#decide(false);
    });
    if (result.kind === 'local') this.#record(i, result.value, true);
    else this.#releases.push(result.release);
  }

  #record(i: number, value: unknown, final: boolean): void {
    if (this.#answers[i]!.state === 'final') return;
    this.#answers[i] =
      value === null || value === undefined
        ? { state: final ? 'final' : 'nil', value: null }
        : { state: 'final', value, enc: toHex(encodeMsgpack(value)) };
  }

  /** A nil answer may be stale (a write still in flight) or a forwarder's first reply: ask again. */
  #scheduleRetry(): void {
    this.#retryTimer = this.#opts.clock.setTimeout(() => {
      if (this.#done || this.#opts.isClosed()) return;
      this.#answers.forEach((slot, i) => slot.state === 'nil' && this.#ask(i));
      this.#decide(false);
      if (!this.#done) this.#scheduleRetry();
    }, GET_RETRY_MS);
  }

  #decide(final: boolean): void {
    if (this.#done) return;
    const decision = decideQuorum(this.#answers, final);
    const details = { key: toHex(this.#opts.key) };
    switch (decision.kind) {
      case 'wait':
        return;
      case 'value':
        return this.#finish(decision.value);
      case 'no-consensus':
        return this.#finish(undefined, new NoConsensusError('the replicas of this key disagree', { details }));
      case 'timeout': {
        const timeout = this.#opts.timeout;
        return this.#finish(undefined, new TimeoutError(`get timed out after ${timeout} ms`, { details: { ...details, timeout } }));
      }
      case 'not-found':
        return this.#finish(undefined, new KeyNotFoundError('no such key', { details }));
    }
  }

  readonly #onAbort = (): void => {
    this.#finish(undefined, new AbortError('get was aborted', { cause: this.#opts.signal?.reason }));
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
