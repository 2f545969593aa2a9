/**
 * The clock a sync socket hands mesh: the caller's (or the system's), except while the outbox
 * sends queued writes, when `now()` reads the moment each write was made. A write queued for the
 * end of the tick thus carries exactly the timestamp it would have carried had it gone out
 * inside `set()`, even if the second changed (or a test's clock moved) in between.
 */
import { systemClock, type Clock, type TimerHandle } from '@p2p/base';

export class WriteClock implements Clock {
  readonly #inner: Clock;
  #pinned: number | undefined;

  constructor(inner: Clock = systemClock) {
    this.#inner = inner;
  }

  now(): number {
    return this.#pinned ?? this.#inner.now();
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    return this.#inner.setTimeout(fn, ms);
  }

  clearTimeout(handle: TimerHandle): void {
    this.#inner.clearTimeout(handle);
  }

  /** Runs `fn` with `now()` reading `ms` (milliseconds since the epoch). */
  at<T>(ms: number, fn: () => T): T {
    const previous = this.#pinned;
    this.#pinned = ms;
    try {
      return fn();
    } finally {
      this.#pinned = previous;
    }
  }
}
