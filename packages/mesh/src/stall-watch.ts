/**
 * The partial-frame deadline of one link (PROTOCOL.md 4.10): armed once while a frame is
 * incomplete, not once per chunk. Bytes arriving meanwhile only move the link's last-received
 * time; when the timer fires it waits out what is left of the period since those bytes.
 */
import type { Clock, TimerHandle } from '@p2p/base';

/** What the watch reads from its link. */
export interface StallSource {
  /** When the link last received bytes (the clock's milliseconds). */
  lastReceivedAt(): number;
  /** True while a frame is still incomplete and the link is worth watching. */
  stalled(): boolean;
  /** No bytes came for `ms` in the middle of a frame. */
  onStall(ms: number): void;
}

export class StallWatch {
  readonly #clock: Clock;
  readonly #timeoutMs: number;
  readonly #source: StallSource;
  #timer: TimerHandle | undefined;

  constructor(clock: Clock, timeoutMs: number, source: StallSource) {
    this.#clock = clock;
    this.#timeoutMs = timeoutMs;
    this.#source = source;
  }

  /** Call after each read: arms the deadline for a partial frame, clears it otherwise. */
  update(partialFrame: boolean): void {
    if (!partialFrame) this.clear();
    else if (this.#timer === undefined) this.#schedule(this.#timeoutMs);
  }

  clear(): void {
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #schedule(delay: number): void {
    this.#timer = this.#clock.setTimeout(() => {
      this.#timer = undefined;
      if (!this.#source.stalled()) return;
      const quiet = this.#clock.now() - this.#source.lastReceivedAt();
      if (quiet < this.#timeoutMs) this.#schedule(this.#timeoutMs - quiet);
      else this.#source.onStall(this.#timeoutMs);
    }, delay);
  }
}
