/**
 * The plain read of a key (PROTOCOL.md 6.5): the first value three tables agree on wins.
 * {@link decideQuorum} is the pure decision over the answers so far; {@link QuorumRead} is a
 * {@link SlotRead} (slot-read.ts: asks, hears answers, re-asks, settles) with decideQuorum as its
 * policy; records-read.ts is the signed-record one. Three agreeing answers decide, so a plain read asks
 * three tables first (its own tables first: they cost nothing) and the other two only when the
 * first ones cannot decide alone (a nil, a disagreeing or a failed answer) or are slow (the hedge
 * delay, answer-times.ts); a record read, which needs every table's answer, asks all five at once.
 */
import { KeyNotFoundError, TimeoutError, toHex, type P2PError } from '@p2p/base';
import type { MeshConnection } from '@p2p/mesh';
import type { ChordContext } from './context';
import { NoConsensusError } from './errors';
import { HASH_METHODS, getHashes } from './hashing';
import type { RawOf } from './lookups';
import { loopLoadSince } from './loop-load';
import { AGREEMENT } from './options';
import { ValueGroups } from './same-value';
import { SlotRead, type QuorumReadOptions, type ReadPolicy } from './slot-read';

export { GET_RETRY_MS, SlotRead, type QuorumReadOptions, type ReadPolicy } from './slot-read';

/**
 * One table's answer so far: `open` (none yet, or not asked), `nil` (nil, which a forwarder sends
 * before the real value, so not final) or `final` (a value, or a local nil). Answers with the same
 * `group` are equal values; a nil has none.
 */
export interface SlotAnswer {
  readonly state: 'open' | 'nil' | 'final';
  readonly value: unknown;
  readonly group?: number | undefined;
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
  const counts: number[] = [];
  let open = 0;
  let answered = 0;
  let best = -1;
  for (const slot of answers) {
    if (slot.state === 'open' || (slot.state === 'nil' && !final)) open++;
    if (slot.group === undefined) continue;
    answered++;
    const n = (counts[slot.group] ?? 0) + 1;
    counts[slot.group] = n;
    if (best < 0 || n > counts[best]!) best = slot.group;
  }
  const most = best < 0 ? 0 : counts[best]!;
  if (most >= AGREEMENT) return { kind: 'value', value: answers.find((a) => a.group === best)!.value };
  if (!final && most + open >= AGREEMENT) return { kind: 'wait' };
  if (answered > 0) return { kind: 'no-consensus' };
  return final ? { kind: 'timeout' } : { kind: 'not-found' };
}

/**
 * Whether the tables `asked` so far can no longer reach {@link AGREEMENT} on their own: the largest
 * group among their answers plus those still open is short of it (a disagreeing answer or a local
 * nil among three asked is enough, and a remote nil unless `nilOpen`: then a nil may be a
 * forwarder's first reply, with the value still to come).
 */
export function askedFallShort(answers: readonly SlotAnswer[], asked: readonly boolean[], nilOpen = false): boolean {
  const counts: number[] = [];
  let most = 0;
  let open = 0;
  answers.forEach((slot, i) => {
    if (!asked[i]) return;
    if (slot.state === 'open' || (nilOpen && slot.state === 'nil')) open++;
    else if (slot.group !== undefined) most = Math.max(most, (counts[slot.group] = (counts[slot.group] ?? 0) + 1));
  });
  return most + open < AGREEMENT;
}

/** The plain read of `get()`: {@link decideQuorum} over the answers. */
export class QuorumRead extends SlotRead {
  constructor(options: QuorumReadOptions) {
    super(options, new QuorumPolicy(options));
  }
}

/** `get(key)` on this node: the five slots of `key` through its lookups, local tables first, hedged by its `hedgeDelay`. */
export function keyRead(ctx: ChordContext, key: Uint8Array, timeout: number, signal: AbortSignal | undefined): QuorumRead {
  const hashes = getHashes(key);
  const { lookups } = ctx;
  // The routes found by isLocal serve the asks of the same run; later asks (hedges, retries) route again.
  const routed: Array<{ to: MeshConnection | undefined } | undefined> = [];
  let planned = false;
  const plan = (i: number): boolean => {
    if (!planned) {
      planned = true;
      queueMicrotask(() => routed.fill(undefined));
    }
    return (routed[i] = { to: lookups.route(hashes[i]!) }).to === undefined;
  };
  return new QuorumRead({
    key,
    timeout,
    signal,
    clock: ctx.host.clock,
    lookup: (i, onAnswer) => {
      const route = routed[i];
      routed[i] = undefined;
      const method = HASH_METHODS[i]!;
      return route ? lookups.lookupVia(route.to, method, hashes[i]!, timeout, onAnswer) : lookups.lookup(method, hashes[i]!, timeout, onAnswer);
    },
    isClosed: () => ctx.host.closed,
    isLocal: plan,
    hedgeDelay: () => lookups.hedgeDelay(),
    loopLoad: loopLoadSince,
    nilIsFinal: () => ctx.fingers.linksAll,
  });
}

class QuorumPolicy implements ReadPolicy {
  readonly #opts: QuorumReadOptions;
  readonly #answers: SlotAnswer[] = HASH_METHODS.map(() => ({ state: 'open', value: null }));
  readonly #groups = new ValueGroups();
  /** Three agreeing answers decide a plain read. */
  readonly firstAsks = AGREEMENT;

  constructor(options: QuorumReadOptions) {
    this.#opts = options;
  }

  record(i: number, value: unknown, raw: RawOf, local: boolean): void {
    if (this.#answers[i]!.state === 'final') return;
    // A remote answer's bytes would cost decoding its message again: its decoded value is compared.
    this.#answers[i] =
      value === null || value === undefined
        ? { state: local ? 'final' : 'nil', value: null }
        : { state: 'final', value, group: this.#groups.groupOf(value, local ? raw() : undefined) };
  }

  fallsShort(asked: readonly boolean[], nilOpen: boolean): boolean {
    return askedFallShort(this.#answers, asked, nilOpen);
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
