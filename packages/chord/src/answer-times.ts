/**
 * How long this node's retrieves take to be answered, and from that the hedge delay of a read
 * (README, "Reads"): a get asks three tables first and the other two only when one of those
 * answers nil, disagrees or fails, or when they are slower than usual. "Usual" is estimated the
 * way TCP estimates its retransmission timeout (RFC 6298): a smoothed answer time plus four
 * smoothed deviations, so a burst of load raises the delay instead of doubling the traffic.
 */

/** The adaptive hedge delay never drops below this (ms): loopback answers take well under it. */
export const HEDGE_MIN_MS = 5;
/** ... nor exceeds this (ms): the retry round of a read (quorum-read.ts) asks every table by then anyway. */
export const HEDGE_MAX_MS = 250;
/** Before any answer was timed (ms). */
export const HEDGE_INITIAL_MS = 50;

/** The delay clamped to [{@link HEDGE_MIN_MS}, {@link HEDGE_MAX_MS}]. */
export function clampHedge(ms: number): number {
  return Math.min(HEDGE_MAX_MS, Math.max(HEDGE_MIN_MS, ms));
}

/** Smoothed answer time and deviation, RFC 6298's gains (1/8 and 1/4). */
export class AnswerTimes {
  #smoothed: number | undefined;
  #deviation = 0;

  /** An answer came `ms` after its retrieve went out. */
  observe(ms: number): void {
    if (!(ms >= 0) || !Number.isFinite(ms)) return;
    if (this.#smoothed === undefined) {
      this.#smoothed = ms;
      this.#deviation = ms / 2;
      return;
    }
    this.#deviation += (Math.abs(this.#smoothed - ms) - this.#deviation) / 4;
    this.#smoothed += (ms - this.#smoothed) / 8;
  }

  /** The smoothed answer time (ms), undefined before the first answer. */
  get smoothed(): number | undefined {
    return this.#smoothed;
  }

  /** How long a read waits for its first tables before asking the rest (ms). */
  hedgeDelay(): number {
    return this.#smoothed === undefined ? HEDGE_INITIAL_MS : clampHedge(this.#smoothed + 4 * this.#deviation);
  }
}
