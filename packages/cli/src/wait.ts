/** Polling without fixed sleeps, for the demo's checks. */
import { DemoFailedError } from './errors';

export const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Polls `pending` until it returns undefined (done). While not done it returns what is still
 * missing; after `timeout` ms that text becomes the error message.
 */
export async function waitUntil(
  pending: () => string | undefined | Promise<string | undefined>,
  options: { timeout: number; interval?: number; signal?: AbortSignal },
): Promise<void> {
  const deadline = Date.now() + options.timeout;
  for (;;) {
    const missing = await pending();
    if (missing === undefined) return;
    if (options.signal?.aborted) throw new DemoFailedError('interrupted');
    if (Date.now() >= deadline) throw new DemoFailedError(`${missing} (gave up after ${options.timeout} ms)`);
    await delay(options.interval ?? 20);
  }
}
