/**
 * What rejecting the 16M-empty-maps frame costs the decoder: time and heap growth of one
 * `decodeFrameBody` with the default limits (inflating stops at the ratio cap), with inflating
 * allowed to 16 MiB (the element budget stops it), and with neither (`maxElements: Infinity`,
 * how the decoder behaved before it had limits). Figures only; the goal is that both bounded
 * decodes reject and grow the heap by less than a MiB.
 */
import { CompressionFlags, DEFAULT_MAX_FRAME_BYTES, decodeFrameBody, isP2PError } from '@p2p/base';
import { emptyMapsBomb } from '../hostile';
import { Checks, toMiB, type ScenarioResult } from '../report';

const gc = (): void => (globalThis as { gc?: () => void }).gc?.();

function measure(body: Uint8Array, limits: { maxElements?: number; maxDecodedBytes?: number }): { ms: number; heapMiB: number; outcome: string } {
  gc();
  const heap0 = process.memoryUsage().heapUsed;
  let peak = heap0;
  const t0 = process.hrtime.bigint();
  let outcome = 'accepted';
  try {
    const wire = decodeFrameBody(body, { candidates: [CompressionFlags.zlib], ...limits });
    peak = Math.max(peak, process.memoryUsage().heapUsed);
    outcome = `accepted (${(wire.payload[1] as unknown[]).length} elements)`;
  } catch (err) {
    peak = Math.max(peak, process.memoryUsage().heapUsed);
    outcome = isP2PError(err) ? `${err.code} ${JSON.stringify({ limit: err.details?.limit, max: err.details?.max })}` : String(err);
  }
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  return { ms: Math.round(ms * 10) / 10, heapMiB: toMiB(peak - heap0), outcome };
}

export function decodeCost(options: { count: number; unbounded: boolean }): ScenarioResult {
  const checks = new Checks();
  const frame = emptyMapsBomb(options.count);
  const body = frame.subarray(4);
  const full = DEFAULT_MAX_FRAME_BYTES;
  const defaults = measure(body, {});
  const elementBudget = measure(body, { maxDecodedBytes: full });
  const unbounded = options.unbounded ? measure(body, { maxDecodedBytes: full, maxElements: Number.POSITIVE_INFINITY }) : undefined;
  checks.check(defaults.outcome.startsWith('FRAME_TOO_LARGE') || defaults.outcome.startsWith('BAD_MSGPACK'), `default limits: ${defaults.outcome}`);
  checks.check(elementBudget.outcome.startsWith('BAD_MSGPACK') && elementBudget.outcome.includes('elements'), `element budget: ${elementBudget.outcome}`);
  for (const [name, m] of [['default limits', defaults], ['element budget', elementBudget]] as const) {
    checks.check(m.heapMiB < 1, `${name}: the heap grew by ${m.heapMiB} MiB`);
  }
  return checks.result('decode-cost', 'both bounded decodes reject (ratio cap, element budget) and grow the heap < 1 MiB', {
    emptyMaps: options.count,
    frameBytes: frame.length,
    defaults,
    elementBudget,
    ...(unbounded === undefined ? {} : { unbounded }),
  });
}
