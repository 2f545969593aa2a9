/**
 * Leak checks: what a test process holds open (sockets, servers, timers), taken before a test
 * and compared after its nodes closed. Run such a test in a file of its own, so no other test's
 * handles are in the picture.
 */
import { waitFor } from './wait';

export interface HandleSnapshot {
  sockets: number;
  servers: number;
  timers: number;
}

/** Counts of the process's open TCP sockets, TCP servers and timers, now. */
export function openHandles(): HandleSnapshot {
  const snapshot: HandleSnapshot = { sockets: 0, servers: 0, timers: 0 };
  for (const r of process.getActiveResourcesInfo()) {
    if (r === 'TCPSocketWrap') snapshot.sockets++;
    else if (r === 'TCPServerWrap') snapshot.servers++;
    else if (r === 'Timeout') snapshot.timers++;
  }
  return snapshot;
}

/**
 * Resolves when sockets and servers are exactly as in `before` and timers no more (the runner's
 * own may have ended). Waits up to `timeout` ms first: libuv releases a closed handle a loop
 * turn after its close callback. Rejects with the counts otherwise.
 */
export async function expectReleased(before: HandleSnapshot, timeout = 2000): Promise<void> {
  const released = (now: HandleSnapshot): boolean =>
    now.sockets === before.sockets && now.servers === before.servers && now.timers <= before.timers;
  await waitFor(() => released(openHandles()), { timeout }).catch(() => {});
  const now = openHandles();
  if (!released(now)) throw new Error(`handles left open: before ${JSON.stringify(before)}, after ${JSON.stringify(now)}`);
}
