/**
 * Teardown after every test: anything with `close()` registered through `track` is closed (in
 * parallel, failures ignored) once the current test ends.
 */

/** Anything a test opens and must release: nodes, raw sockets, servers. */
export interface Closable {
  close(): Promise<void> | void;
}

/** Registers `thing` for teardown after the current test and returns it. */
export type Track = <T extends Closable>(thing: T) => T;

/**
 * Hooks a teardown into the runner's `afterEach` (passed in, so this package does not depend on
 * vitest) and returns the `track` function that feeds it. Call it once per test file's helpers.
 *
 * @example
 * ```ts
 * import { afterEach } from 'vitest';
 * export const track = closeAfterEach(afterEach);
 * ```
 */
export function closeAfterEach(afterEach: (fn: () => Promise<void>) => void): Track {
  const open = new Set<Closable>();
  afterEach(async () => {
    const all = [...open];
    open.clear();
    await Promise.allSettled(all.map((n) => n.close()));
  });
  return (thing) => {
    open.add(thing);
    return thing;
  };
}
