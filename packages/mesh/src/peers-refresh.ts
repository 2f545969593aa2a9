/**
 * Asking for peers lists after a peer left. py2p asks every remaining peer after every
 * disconnect (PROTOCOL.md 4.10); in a large network, where links come and go all the time, that
 * is a request to every neighbour per close, each answered with a whole peers list. Here a
 * close asks at most {@link ASKED_PEERS} peers, chosen at random, and at most once per
 * {@link REFRESH_INTERVAL_MS}: closes within that time are covered by one more ask at its end.
 * The lists that come back start automatic dials as any peers message does (4.4).
 */
import type { Clock, TimerHandle } from '@p2p/base';

/** Peers asked per round: two answers cover a lost peer's neighbourhood about as well as all. */
export const ASKED_PEERS = 2;
/** At most one round of asking per this long. */
export const REFRESH_INTERVAL_MS = 1_000;

/**
 * When to ask after a close, in ms from `now`: 0 at once, more to wait for the interval to end,
 * undefined when an ask is already planned (it will cover this close too).
 */
export function refreshDelay(lastAskAt: number | undefined, now: number, planned: boolean, interval = REFRESH_INTERVAL_MS): number | undefined {
  if (planned) return undefined;
  if (lastAskAt === undefined || now - lastAskAt >= interval) return 0;
  return lastAskAt + interval - now;
}

/** Up to `count` of `items`, picked at random (each at most once). `items` is reordered. */
export function pickSome<T>(items: T[], count: number, random: () => number = Math.random): T[] {
  const n = Math.min(count, items.length);
  for (let i = 0; i < n; i++) {
    const j = i + Math.floor(random() * (items.length - i));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items.slice(0, n);
}

export class PeersRefresh {
  readonly #clock: Clock;
  readonly #ask: () => void;
  #lastAskAt: number | undefined;
  #timer: TimerHandle | undefined;
  #stopped = false;

  /** `ask` sends the requests of one round (to {@link ASKED_PEERS} peers). */
  constructor(clock: Clock, ask: () => void) {
    this.#clock = clock;
    this.#ask = ask;
  }

  /** A peer closed the link: ask now, or at the end of the interval. */
  lost(): void {
    if (this.#stopped) return;
    const delay = refreshDelay(this.#lastAskAt, this.#clock.now(), this.#timer !== undefined);
    if (delay === undefined) return;
    if (delay === 0) return this.#run();
    this.#timer = this.#clock.setTimeout(() => {
      this.#timer = undefined;
      this.#run();
    }, delay);
  }

  /** Shutdown: nothing more is asked. */
  stop(): void {
    this.#stopped = true;
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #run(): void {
    if (this.#stopped) return;
    this.#lastAskAt = this.#clock.now();
    this.#ask();
  }
}
