/**
 * How busy this thread's event loop has been since a mark: Node's event-loop utilization, the
 * share of the time spent running code rather than waiting for I/O. A read's hedge (slot-read.ts)
 * asks more tables because the ones it asked seem slow; when this node's own loop was busy for
 * nearly the whole wait, their answers may be sitting unread behind its own work, and more asks
 * would only add to that work. Browsers have no such figure: there is no mark there.
 */

interface Utilization {
  readonly idle: number;
  readonly active: number;
  readonly utilization: number;
}

type EventLoopUtilization = (since?: Utilization) => Utilization;

const performanceLike = (globalThis as { performance?: { eventLoopUtilization?: EventLoopUtilization } }).performance;
const utilization: EventLoopUtilization | undefined = performanceLike?.eventLoopUtilization?.bind(performanceLike);

/** Marks now; the function returned tells the share (0 to 1) of the time since that the loop was busy. Undefined without the figure. */
export function loopLoadSince(): (() => number) | undefined {
  if (utilization === undefined) return undefined;
  const mark = utilization();
  return () => utilization(mark).utilization;
}
