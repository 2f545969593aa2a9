/**
 * Time is injectable so that tests of time-based rules (the 60 s broadcast window, one-hour
 * leases, timeouts) run without sleeping.
 */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

/** Opaque timer handle (a Node Timeout, a number in browsers, anything in fakes). */
export type TimerHandle = unknown;

export const systemClock: Clock = Object.freeze({
  now: () => Date.now(),
  setTimeout: (fn: () => void, ms: number): TimerHandle => {
    const t = setTimeout(fn, ms);
    // Timers must never keep a process alive on their own; sockets hold the loop open.
    (t as { unref?: () => void }).unref?.();
    return t;
  },
  clearTimeout: (handle: TimerHandle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
});

/** Whole seconds since the epoch, UTC, as py2p's getUTC() (PROTOCOL.md 1.6). */
export function unixSeconds(clock: Clock = systemClock): number {
  return Math.floor(clock.now() / 1000);
}
