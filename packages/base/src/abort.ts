import { AbortError, TimeoutError } from './errors';
import { systemClock, type Clock } from './clock';

/** Options taken by every call that waits on the network. */
export interface WaitOptions {
  /** Cancels the call; it rejects with `ABORTED`. */
  signal?: AbortSignal;
  /** Milliseconds before the call rejects with `TIMEOUT`. */
  timeout?: number;
}

/**
 * Runs `task` with a combined AbortSignal that fires on the caller's signal or after
 * `timeout` ms, and rejects with AbortError / TimeoutError accordingly. The task receives the
 * combined signal so it can release what it holds. Timers are always cleared.
 */
export async function withDeadline<T>(
  task: (signal: AbortSignal) => Promise<T>,
  options: WaitOptions & { what?: string; clock?: Clock } = {},
): Promise<T> {
  const { signal, timeout, what = 'operation', clock = systemClock } = options;
  if (signal?.aborted) throw new AbortError(`${what} was aborted`, { cause: signal.reason });
  const controller = new AbortController();
  let timer: unknown;
  let onAbort: (() => void) | undefined;
  const stop = new Promise<never>((_, reject) => {
    if (timeout !== undefined && Number.isFinite(timeout)) {
      timer = clock.setTimeout(() => {
        const err = new TimeoutError(`${what} timed out after ${timeout} ms`, { details: { timeout } });
        controller.abort(err);
        reject(err);
      }, Math.max(0, timeout));
    }
    if (signal) {
      onAbort = () => {
        const err = new AbortError(`${what} was aborted`, { cause: signal.reason });
        controller.abort(err);
        reject(err);
      };
      signal.addEventListener('abort', onAbort, { once: true });
    }
  });
  stop.catch(() => {});
  try {
    return await Promise.race([task(controller.signal), stop]);
  } finally {
    if (timer !== undefined) clock.clearTimeout(timer);
    if (onAbort) signal?.removeEventListener('abort', onAbort);
  }
}
