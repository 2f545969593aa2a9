/** Polling waits for the scenarios (they run in plain Node, without the test helpers). */

/** Resolves true once `pred()` holds, false after `ms`; checks every `every` ms. */
export async function until(pred: () => boolean, ms: number, every = 20): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, every));
  }
  return true;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
