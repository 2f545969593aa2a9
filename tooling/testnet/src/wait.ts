/** Polling helpers for tests that must not sleep for a fixed time. */

export interface PollOptions {
  /** Milliseconds before giving up. @default 5000 */
  timeout?: number;
  /** Milliseconds between attempts. @default 10 */
  interval?: number;
  /** Text of the error thrown on timeout. */
  message?: string;
}

const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Polls `predicate` until it returns a truthy value, and returns that value. Throws after
 * `timeout` ms (the last predicate exception, if any, is the cause).
 */
export async function waitFor<T>(
  predicate: () => T | Promise<T>,
  options: PollOptions = {},
): Promise<NonNullable<T>> {
  const { timeout = 5000, interval = 10, message } = options;
  const deadline = Date.now() + timeout;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await predicate();
      if (value) return value as NonNullable<T>;
      lastError = undefined;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() >= deadline) {
      throw new Error(message ?? `waitFor: condition not met within ${timeout} ms`, { cause: lastError });
    }
    await delay(interval);
  }
}

/**
 * Retries `assertion` until it stops throwing; after `timeout` ms rethrows its last error, so
 * the test report shows the real assertion failure.
 */
export async function eventually(
  assertion: () => void | Promise<void>,
  options: Omit<PollOptions, 'message'> = {},
): Promise<void> {
  const { timeout = 5000, interval = 10 } = options;
  const deadline = Date.now() + timeout;
  for (;;) {
    try {
      await assertion();
      return;
    } catch (err) {
      if (Date.now() >= deadline) throw err;
    }
    await delay(interval);
  }
}

/** Anything with an `on(event, listener)` that returns an unsubscribe function (typed emitters fit). */
export interface EventSource {
  on(event: never, listener: never): unknown;
}

/**
 * Resolves with the arguments of the next `event` (optionally the next one passing `filter`);
 * rejects after `timeout` ms. The listener is always removed.
 */
export function nextEvent<A extends unknown[] = unknown[]>(
  emitter: EventSource,
  event: string,
  options: { timeout?: number; filter?: (...args: A) => boolean } = {},
): Promise<A> {
  const { timeout = 5000, filter } = options;
  const subscribe = emitter.on as unknown as (this: EventSource, e: string, l: (...args: A) => void) => () => void;
  return new Promise<A>((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`nextEvent: no '${event}' within ${timeout} ms`));
    }, timeout);
    const off = subscribe.call(emitter, event, (...args: A) => {
      if (filter && !filter(...args)) return;
      clearTimeout(timer);
      off();
      resolve(args);
    });
  });
}
