/**
 * `p2p status HOST:PORT`: the status of a running node, read from its `--metrics` endpoint
 * (one HTTP GET of the Prometheus text). Exit code 1 when it cannot be reached.
 */
import { describeError } from '../errors';
import { addrText } from '../format';
import { writeLine, type CliIo } from '../io';
import { formatBytes, formatUptime, parsePrometheusText, summarize } from '../status-line';

/** Milliseconds the scrape may take. */
export const STATUS_TIMEOUT_MS = 5_000;

export async function statusCommand(addr: readonly [string, number], io: CliIo): Promise<number> {
  const url = `http://${addrText(addr)}/metrics`;
  let text: string;
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(STATUS_TIMEOUT_MS) });
    if (!response.ok) throw new Error(`HTTP ${response.status} ${response.statusText}`);
    text = await response.text();
  } catch (err) {
    // fetch says only "fetch failed"; the reason (ECONNREFUSED, a timeout) is its cause.
    const reason = err instanceof Error && err.cause instanceof Error ? err.cause.message : describeError(err);
    writeLine(io.stderr, `p2p: cannot read ${url}: ${reason}`);
    return 1;
  }
  const s = summarize(parsePrometheusText(text));
  const now = Date.now();
  const print = (line: string): void => writeLine(io.stdout, line);
  const { id, kind, subnet, encryption } = s.info;
  if (id !== undefined) print(`node      ${id} (${kind ?? '?'}, subnet "${subnet ?? '?'}", ${encryption ?? '?'})`);
  print(`uptime    ${formatUptime(now / 1000 - s.startTime)}`);
  print(`peers     ${s.peersIncoming + s.peersOutgoing} (${s.peersIncoming} incoming, ${s.peersOutgoing} outgoing), ${s.pending} pending`);
  print(`messages  ${s.messagesIn} in, ${s.messagesOut} out, ${s.relayed} relayed, ${s.dropped} dropped`);
  print(`bytes     ${formatBytes(s.bytesIn)} in, ${formatBytes(s.bytesOut)} out`);
  return 0;
}
