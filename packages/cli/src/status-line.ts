/**
 * What an operator reads at a glance: a node's peers, messages, bytes and uptime, summed from
 * its metrics (a live snapshot, or the Prometheus text of a running node's `--metrics`
 * endpoint), as the status line of an interactive node and as `p2p status`.
 */
import type { MetricSnapshot, MetricsSnapshot } from '@p2p/base';

export interface NodeSummary {
  readonly peersIncoming: number;
  readonly peersOutgoing: number;
  readonly pending: number;
  readonly messagesIn: number;
  readonly messagesOut: number;
  readonly relayed: number;
  readonly dropped: number;
  readonly bytesIn: number;
  readonly bytesOut: number;
  /** Seconds since the epoch when the socket started (NaN when unknown). */
  readonly startTime: number;
  /** Labels of `p2p_node_info` (id, kind, subnet, encryption), when served. */
  readonly info: Readonly<Record<string, string>>;
}

/** Sums the series of each metric the summary needs (counters and gauges only). */
export function summarize(snapshot: Pick<MetricsSnapshot, 'metrics'>): NodeSummary {
  const byName = new Map<string, MetricSnapshot>(snapshot.metrics.map((m) => [m.name, m]));
  const sum = (name: string, where: (labels: Readonly<Record<string, string>>) => boolean = () => true): number => {
    const metric = byName.get(name);
    if (!metric || metric.kind === 'histogram') return 0;
    return metric.series.reduce((total, s) => (where(s.labels) ? total + s.value : total), 0);
  };
  const info = byName.get('p2p_node_info');
  const start = byName.get('p2p_start_time_seconds');
  return {
    peersIncoming: sum('p2p_peers', (l) => l['direction'] === 'incoming'),
    peersOutgoing: sum('p2p_peers', (l) => l['direction'] === 'outgoing'),
    pending: sum('p2p_pending_connections'),
    messagesIn: sum('p2p_messages_received_total'),
    messagesOut: sum('p2p_messages_sent_total'),
    relayed: sum('p2p_messages_relayed_total'),
    dropped: sum('p2p_messages_dropped_total'),
    bytesIn: sum('p2p_bytes_received_total'),
    bytesOut: sum('p2p_bytes_sent_total'),
    startTime: start && start.kind !== 'histogram' && start.series[0] ? start.series[0].value : NaN,
    info: info && info.kind !== 'histogram' && info.series[0] ? info.series[0].labels : {},
  };
}

/** The one-line status: `peers 2 (1 in, 1 out) | msgs 12 in, 30 out | 3.2 KiB in, 10.1 KiB out | up 1m05s`. */
export function statusLine(s: NodeSummary, nowMs: number): string {
  const peers = s.peersIncoming + s.peersOutgoing;
  return [
    `peers ${peers} (${s.peersIncoming} in, ${s.peersOutgoing} out${s.pending > 0 ? `, ${s.pending} pending` : ''})`,
    `msgs ${s.messagesIn} in, ${s.messagesOut} out`,
    `${formatBytes(s.bytesIn)} in, ${formatBytes(s.bytesOut)} out`,
    `up ${formatUptime(nowMs / 1000 - s.startTime)}`,
  ].join(' | ');
}

/** Bytes as `512 B`, `3.2 KiB`, `1.0 MiB`, `2.5 GiB`. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}

/** Seconds as `42s`, `3m07s`, `2h05m`, `3d04h`; `?` when unknown. */
export function formatUptime(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  const s = Math.floor(seconds);
  const two = (n: number): string => String(n).padStart(2, '0');
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${two(s % 60)}s`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h${two(Math.floor(s / 60) % 60)}m`;
  return `${Math.floor(s / 86_400)}d${two(Math.floor(s / 3600) % 24)}h`;
}

/**
 * Reads the counters and gauges of Prometheus text (the exposition format `--metrics` serves)
 * back into snapshot form; histogram and untyped lines are skipped.
 */
export function parsePrometheusText(text: string): Pick<MetricsSnapshot, 'metrics'> {
  const kinds = new Map<string, 'counter' | 'gauge'>();
  const series = new Map<string, Array<{ labels: Record<string, string>; value: number }>>();
  for (const line of text.split('\n')) {
    const type = /^# TYPE (\S+) (counter|gauge)$/.exec(line);
    if (type) {
      kinds.set(type[1]!, type[2] as 'counter' | 'gauge');
      series.set(type[1]!, []);
      continue;
    }
    if (line.startsWith('#') || line.trim() === '') continue;
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)(?: \d+)?$/.exec(line);
    if (!sample || !kinds.has(sample[1]!)) continue;
    series.get(sample[1]!)!.push({ labels: parseLabels(sample[2] ?? ''), value: parseValue(sample[3]!) });
  }
  return {
    metrics: [...kinds].map(([name, kind]) => ({ kind, name, help: '', series: series.get(name) ?? [] })),
  };
}

function parseLabels(text: string): Record<string, string> {
  const labels: Record<string, string> = {};
  const pair = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)",?/g;
  for (let m = pair.exec(text); m; m = pair.exec(text)) {
    labels[m[1]!] = m[2]!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
  }
  return labels;
}

function parseValue(text: string): number {
  if (text === '+Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  return Number(text);
}
