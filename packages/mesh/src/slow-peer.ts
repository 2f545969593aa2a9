/**
 * The slow-peer rule (README, "Backpressure"): a peer is dropped when its queue has stayed over
 * `writeHighWaterBytes` for `slowPeerTimeout` of time this node's event loop was free, and it
 * took less than `writeHighWaterBytes` in that time. Only free time counts: the rule looks in
 * ticks of `slowPeerTimeout / 8` (at most 1 s), and a tick that fires more than one tick late
 * proves the event loop was blocked (a long synchronous burst of the local program), so nothing
 * could be handed to the peer meanwhile: it counts for nothing. A peer that takes
 * `writeHighWaterBytes` starts a new period; one back under the mark ends it.
 */
import type { Clock, TimerHandle } from '@p2p/base';
import type { ResolvedLimits } from './options';

/** What the rule reads from a link: bytes queued for the peer now, and bytes the transport took from it in all. */
export interface QueueState {
  readonly queued: number;
  readonly taken: number;
}

/** What a look at the queue decided. */
export type Verdict = 'under' | 'reading' | 'waiting' | 'slow';

/** Why a peer was judged slow: the period the rule saw. */
export interface SlowPeerFacts {
  readonly queued: number;
  /** Bytes the peer took in the period. */
  readonly read: number;
  /** Milliseconds of free event-loop time the period lasted. */
  readonly watchedMs: number;
}

/** The tick of the rule: an eighth of the timeout, between 1 ms and 1 s. */
export function slowPeerTick(slowPeerTimeout: number): number {
  return Math.max(1, Math.min(1000, Math.floor(slowPeerTimeout / 8)));
}

/**
 * One period of the rule, pure: `look` is called at every tick with the time elapsed since the
 * previous one and the queue's state.
 */
export class SlowPeerPeriod {
  readonly #limits: Pick<ResolvedLimits, 'writeHighWaterBytes' | 'slowPeerTimeout'>;
  readonly #tick: number;
  #baseline: number;
  /** Free milliseconds watched in this period. */
  watchedMs = 0;
  read = 0;

  constructor(limits: Pick<ResolvedLimits, 'writeHighWaterBytes' | 'slowPeerTimeout'>, taken: number) {
    this.#limits = limits;
    this.#tick = slowPeerTick(limits.slowPeerTimeout);
    this.#baseline = taken;
  }

  look(elapsedMs: number, state: QueueState): Verdict {
    const { writeHighWaterBytes, slowPeerTimeout } = this.#limits;
    if (state.queued <= writeHighWaterBytes) return 'under';
    this.read = state.taken - this.#baseline;
    if (this.read >= writeHighWaterBytes) {
      this.#baseline = state.taken;
      this.watchedMs = 0;
      this.read = 0;
      return 'reading';
    }
    // Fired more than a tick late: the event loop was blocked, the peer could be given nothing.
    if (elapsedMs <= 2 * this.#tick) this.watchedMs += elapsedMs;
    return this.watchedMs >= slowPeerTimeout ? 'slow' : 'waiting';
  }
}

/** The rule's timer for one link: `update` on every change of the queue, `stop` when the link goes. */
export class SlowPeerWatch {
  readonly #clock: Clock;
  readonly #limits: ResolvedLimits;
  readonly #state: () => QueueState;
  readonly #onSlow: (facts: SlowPeerFacts) => void;
  #period: SlowPeerPeriod | undefined;
  #timer: TimerHandle | undefined;
  #last = 0;

  constructor(clock: Clock, limits: ResolvedLimits, state: () => QueueState, onSlow: (facts: SlowPeerFacts) => void) {
    this.#clock = clock;
    this.#limits = limits;
    this.#state = state;
    this.#onSlow = onSlow;
  }

  /** The queue holds `queued` bytes now: a period starts over the high-water mark and ends under it. */
  update(queued: number): void {
    if (queued > this.#limits.writeHighWaterBytes) {
      if (this.#period === undefined) {
        this.#period = new SlowPeerPeriod(this.#limits, this.#state().taken);
        this.#last = this.#clock.now();
        this.#arm();
      }
    } else if (this.#period !== undefined) this.stop();
  }

  stop(): void {
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#period = undefined;
  }

  #arm(): void {
    this.#timer = this.#clock.setTimeout(this.#onTick, slowPeerTick(this.#limits.slowPeerTimeout));
  }

  readonly #onTick = (): void => {
    this.#timer = undefined;
    const period = this.#period;
    if (period === undefined) return;
    const now = this.#clock.now();
    const state = this.#state();
    const verdict = period.look(now - this.#last, state);
    this.#last = now;
    if (verdict === 'under') return this.stop();
    if (verdict !== 'slow') return this.#arm();
    this.stop();
    this.#onSlow({ queued: state.queued, read: period.read, watchedMs: period.watchedMs });
  };
}
