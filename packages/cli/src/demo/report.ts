/**
 * How the demo looks: the node status table (one row per node, or one per network when a live
 * area would not fit the terminal), the progress line, the check lines and the closing summary.
 * Pure functions from state to lines; the orchestrator decides where they go.
 */
import { addrText, formatMs } from '../format';
import type { LiveDisplay } from '../live-display';
import { progressBar, renderTable, type Column } from '../status-table';
import type { DemoCheck } from './checks';
import type { DemoContext, DemoNode, Network } from './context';
import { linkCount } from './graph';

type Paint = Pick<LiveDisplay, 'paint'>;

const NETWORKS: readonly Network[] = ['mesh', 'sync', 'chord'];

const nodeColumns: Array<Column<DemoNode>> = [
  { header: 'node', value: (d) => d.name },
  { header: 'address', value: (d) => addrText(d.socket.outAddr) },
  { header: 'peers', value: (d) => (d.state === 'up' ? d.socket.peers.size : '-'), align: 'right' },
  { header: 'received', value: (d) => (d.network === 'chord' ? '-' : d.received), align: 'right' },
  { header: 'stored', value: (d) => d.stored() ?? '-', align: 'right' },
  { header: 'state', value: (d) => d.state },
];

/** One row per node, indented; nothing for no nodes. */
export function nodeTable(rows: readonly DemoNode[]): string[] {
  return rows.length === 0 ? [] : indent(renderTable(nodeColumns, rows));
}

/** The live area's table: every node when they fit in `height` lines, else one row per network. */
export function liveTable(ctx: DemoContext, height: number): string[] {
  if (ctx.nodes.length <= height) return nodeTable(ctx.nodes);
  const columns: Array<Column<Network>> = [
    { header: 'network', value: (net) => net },
    { header: 'nodes', value: (net) => `${ctx.up(net).length}/${ctx.byNetwork(net).length}`, align: 'right' },
    { header: 'links', value: (net) => linkCount(ctx.up(net)), align: 'right' },
    { header: 'received', value: (net) => (net === 'chord' ? '-' : sum(ctx.byNetwork(net), (d) => d.received)), align: 'right' },
    { header: 'stored', value: (net) => (net === 'mesh' ? '-' : sum(ctx.up(net), (d) => d.stored() ?? 0)), align: 'right' },
  ];
  return indent(renderTable(columns, NETWORKS.filter((net) => ctx.byNetwork(net).length > 0)));
}

/** `| [#####...] 3/12  mesh: every node broadcasts a line  120 ms` */
export function progressLine(spinner: string, done: number, total: number, current: string, ms: number): string {
  return `${spinner} ${progressBar(done, total)} ${done}/${total}  ${current}  ${formatMs(ms)}`;
}

/** `[ 3/12] ok    mesh   title: detail (120 ms)`: check number `index` of `total`. */
export function checkLine(check: DemoCheck, index: number, total: number, display: Paint): string {
  const { result } = check;
  const mark = result === 'ok' ? display.paint('ok  ', 'good') : result === 'failed' ? display.paint('FAIL', 'bad') : display.paint('skip', 'dim');
  const num = `[${String(index).padStart(String(total).length)}/${total}]`;
  return `${num} ${mark}  ${check.network.padEnd(5)}  ${check.title}: ${check.detail}${result === 'skipped' ? '' : ` (${formatMs(check.ms)})`}`;
}

/** The verdict on a run: passed, failed (naming the first failure) or interrupted. */
export function summarize(
  checks: readonly DemoCheck[],
  total: number,
  durationMs: number,
): { ok: boolean; interrupted: boolean; text: string } {
  const failures = checks.filter((c) => c.result === 'failed');
  const skipped = checks.filter((c) => c.result === 'skipped').length;
  const interrupted = checks.length < total;
  const ok = !interrupted && failures.length === 0 && skipped === 0;
  const first = failures[0];
  const took = formatMs(durationMs);
  let text: string;
  if (ok) text = `demo passed: all ${total} checks held in ${took}`;
  else if (first) {
    text =
      `demo FAILED: ${failures.length} of ${total} checks failed${skipped > 0 ? `, ${skipped} skipped` : ''}${interrupted ? ', then interrupted' : ''} ` +
      `in ${took}; first failure: ${first.network}: ${first.title}: ${first.detail}`;
  } else text = `demo interrupted after ${checks.length} of ${total} checks (all held) in ${took}`;
  return { ok, interrupted, text };
}

function indent(lines: readonly string[]): string[] {
  return lines.map((l) => `  ${l}`);
}

function sum<T>(items: readonly T[], fn: (item: T) => number): number {
  return items.reduce((total, item) => total + fn(item), 0);
}
