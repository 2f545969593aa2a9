/**
 * A small metrics registry every @p2p package records into: counters and gauges with labels,
 * fixed-bucket histograms, and collected series read only when a snapshot is taken. Recording
 * is meant for hot paths: a caller resolves its labelled series once (`counter.series(...)`)
 * and then only adds numbers, with no allocation or string building per event. The number of
 * series per metric is bounded; label values beyond the bound share one `other` series.
 * No dependencies and no I/O, so it runs in browsers too; {@link renderPrometheus} turns a
 * snapshot into the Prometheus text exposition format.
 */
import { InvalidArgumentError } from './errors';

export type MetricKind = 'counter' | 'gauge' | 'histogram';

/** One labelled value of a counter or gauge. */
export interface SeriesSnapshot {
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/** One labelled histogram: `counts[i]` observations fell in bucket i (not cumulative; the last is +Inf). */
export interface HistogramSeriesSnapshot {
  readonly labels: Readonly<Record<string, string>>;
  readonly counts: readonly number[];
  readonly sum: number;
  readonly count: number;
}

export type MetricSnapshot =
  | { readonly kind: 'counter' | 'gauge'; readonly name: string; readonly help: string; readonly series: readonly SeriesSnapshot[] }
  | {
      readonly kind: 'histogram';
      readonly name: string;
      readonly help: string;
      /** Upper bounds of the buckets, ascending (a last, implicit +Inf bucket follows). */
      readonly bounds: readonly number[];
      readonly series: readonly HistogramSeriesSnapshot[];
    };

/** Every metric of a registry at one moment. */
export interface MetricsSnapshot {
  /** Milliseconds since the epoch when it was taken. */
  readonly time: number;
  readonly metrics: readonly MetricSnapshot[];
}

export interface MetricsRegistryOptions {
  /** Series per metric before new label values go to the shared `other` series. @default 256 */
  maxSeries?: number;
  /** Where {@link MetricsSnapshot.time} comes from. @default Date.now */
  now?: () => number;
}

/** Reports the current value of a collected series, with its label values in declaration order. */
export type Collect = (report: (value: number, ...labelValues: string[]) => void) => void;

/** The value label values get once a metric has {@link MetricsRegistryOptions.maxSeries} series. */
export const OVERFLOW_LABEL = 'other';

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** One counter or gauge value. */
export class CounterSeries {
  value = 0;
  inc(n = 1): void {
    this.value += n;
  }
}

/** One gauge value that can go down. */
export class GaugeSeries extends CounterSeries {
  set(value: number): void {
    this.value = value;
  }
  dec(n = 1): void {
    this.value -= n;
  }
}

/** One histogram: counts per bucket, sum and count. */
export class HistogramSeries {
  readonly #bounds: readonly number[];
  readonly counts: number[];
  sum = 0;
  count = 0;

  constructor(bounds: readonly number[]) {
    this.#bounds = bounds;
    this.counts = new Array<number>(bounds.length + 1).fill(0);
  }

  observe(value: number): void {
    const bounds = this.#bounds;
    let i = 0;
    while (i < bounds.length && value > bounds[i]!) i++;
    this.counts[i]!++;
    this.sum += value;
    this.count++;
  }
}

/** What counters, gauges and histograms share: labelled series, created once, bounded in number. */
abstract class Metric<S> {
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly string[];
  readonly #byKey = new Map<string, S>();
  readonly #labels = new Map<S, Readonly<Record<string, string>>>();
  readonly #max: number;
  #overflow: S | undefined;
  #unlabelled: S | undefined;

  constructor(name: string, help: string, labelNames: readonly string[], max: number) {
    this.name = name;
    this.help = help;
    this.labelNames = Object.freeze([...labelNames]);
    this.#max = max;
  }

  protected abstract create(): S;

  /** The series for these label values (one per label name, in order), created on first use. Keep it for hot paths. */
  series(...values: string[]): S {
    if (values.length !== this.labelNames.length) {
      throw new InvalidArgumentError(`${this.name} takes ${this.labelNames.length} label values, got ${values.length}`);
    }
    if (values.length === 0) return (this.#unlabelled ??= this.#add('', values));
    const key = values.join('\u0000');
    const found = this.#byKey.get(key);
    if (found !== undefined) return found;
    if (this.#byKey.size >= this.#max) {
      return (this.#overflow ??= this.#add(
        this.labelNames.map(() => OVERFLOW_LABEL).join('\u0000'),
        this.labelNames.map(() => OVERFLOW_LABEL),
      ));
    }
    return this.#add(key, values);
  }

  /** Every series with its labels. */
  protected entries(): Array<[Readonly<Record<string, string>>, S]> {
    return [...this.#labels].map(([s, labels]) => [labels, s]);
  }

  protected labelsOf(values: readonly string[]): Readonly<Record<string, string>> {
    const labels: Record<string, string> = {};
    this.labelNames.forEach((n, i) => (labels[n] = values[i] ?? ''));
    return Object.freeze(labels);
  }

  #add(key: string, values: readonly string[]): S {
    const existing = this.#byKey.get(key);
    if (existing !== undefined) return existing;
    const s = this.create();
    this.#byKey.set(key, s);
    this.#labels.set(s, this.labelsOf(values));
    return s;
  }
}

/** A monotonically increasing count (name it `..._total`). */
export class Counter extends Metric<CounterSeries> {
  readonly kind: 'counter' | 'gauge' = 'counter';
  readonly #collect: Collect | undefined;

  constructor(name: string, help: string, labelNames: readonly string[], max: number, collect?: Collect) {
    super(name, help, labelNames, max);
    this.#collect = collect;
  }

  protected create(): CounterSeries {
    return new CounterSeries();
  }

  /** Adds to the unlabelled series. */
  inc(n = 1): void {
    this.series().inc(n);
  }

  snapshot(): MetricSnapshot {
    const series: SeriesSnapshot[] = this.entries().map(([labels, s]) => ({ labels, value: s.value }));
    this.#collect?.((value, ...values) => series.push({ labels: this.labelsOf(values), value }));
    return { kind: this.kind, name: this.name, help: this.help, series };
  }
}

/** A value that goes up and down (peers connected, queue depth). */
export class Gauge extends Counter {
  override readonly kind = 'gauge';
  protected override create(): GaugeSeries {
    return new GaugeSeries();
  }
  override series(...values: string[]): GaugeSeries {
    return super.series(...values) as GaugeSeries;
  }
}

/** Observations counted in fixed buckets. */
export class Histogram extends Metric<HistogramSeries> {
  readonly kind = 'histogram';
  readonly bounds: readonly number[];

  constructor(name: string, help: string, bounds: readonly number[], labelNames: readonly string[], max: number) {
    super(name, help, labelNames, max);
    if (bounds.length === 0 || bounds.some((b, i) => !Number.isFinite(b) || (i > 0 && b <= bounds[i - 1]!))) {
      throw new InvalidArgumentError(`${name}: histogram bounds must be finite and ascending`);
    }
    if (labelNames.includes('le')) throw new InvalidArgumentError(`${name}: "le" is reserved for histogram buckets`);
    this.bounds = Object.freeze([...bounds]);
  }

  protected create(): HistogramSeries {
    return new HistogramSeries(this.bounds);
  }

  /** Observes into the unlabelled series. */
  observe(value: number): void {
    this.series().observe(value);
  }

  snapshot(): MetricSnapshot {
    const series = this.entries().map(([labels, s]) => ({ labels, counts: [...s.counts], sum: s.sum, count: s.count }));
    return { kind: 'histogram', name: this.name, help: this.help, bounds: this.bounds, series };
  }
}

type AnyMetric = Counter | Histogram;

/**
 * The metrics of one socket (and of the layers and transport it carries). Asking twice for the
 * same name returns the same metric; a different kind or label set under a used name throws.
 */
export class MetricsRegistry {
  readonly #metrics = new Map<string, AnyMetric>();
  readonly #max: number;
  readonly #now: () => number;

  constructor(options: MetricsRegistryOptions = {}) {
    this.#max = options.maxSeries ?? 256;
    this.#now = options.now ?? Date.now;
  }

  /** A counter; with `collect`, series are also read from it at snapshot time (counts kept elsewhere). */
  counter(name: string, help: string, labelNames: readonly string[] = [], collect?: Collect): Counter {
    return this.#define(name, 'counter', labelNames, () => new Counter(name, help, labelNames, this.#max, collect)) as Counter;
  }

  /** A gauge; with `collect`, its series are read at snapshot time (peers connected, queue depth). */
  gauge(name: string, help: string, labelNames: readonly string[] = [], collect?: Collect): Gauge {
    return this.#define(name, 'gauge', labelNames, () => new Gauge(name, help, labelNames, this.#max, collect)) as Gauge;
  }

  /** A histogram with fixed bucket upper bounds (ascending). */
  histogram(name: string, help: string, bounds: readonly number[], labelNames: readonly string[] = []): Histogram {
    return this.#define(name, 'histogram', labelNames, () => new Histogram(name, help, bounds, labelNames, this.#max)) as Histogram;
  }

  /** Every metric, in registration order, with collected series read now. */
  snapshot(): MetricsSnapshot {
    return Object.freeze({ time: this.#now(), metrics: Object.freeze([...this.#metrics.values()].map((m) => m.snapshot())) });
  }

  #define(name: string, kind: MetricKind, labelNames: readonly string[], create: () => AnyMetric): AnyMetric {
    const existing = this.#metrics.get(name);
    if (existing) {
      if (existing.kind !== kind || existing.labelNames.join() !== labelNames.join()) {
        throw new InvalidArgumentError(`metric ${name} is already registered as a ${existing.kind} with labels [${existing.labelNames.join(', ')}]`);
      }
      return existing;
    }
    if (!NAME.test(name)) throw new InvalidArgumentError(`invalid metric name ${JSON.stringify(name)}`);
    for (const label of labelNames) {
      if (!LABEL.test(label) || label.startsWith('__')) throw new InvalidArgumentError(`invalid label name ${JSON.stringify(label)}`);
    }
    const metric = create();
    this.#metrics.set(name, metric);
    return metric;
  }
}

/**
 * The Prometheus text exposition format (version 0.0.4) of a snapshot: `# HELP`, `# TYPE`, one
 * line per series; histograms as cumulative `_bucket{le=...}`, `_sum` and `_count`.
 */
export function renderPrometheus(snapshot: MetricsSnapshot): string {
  const out: string[] = [];
  for (const metric of snapshot.metrics) {
    out.push(`# HELP ${metric.name} ${metric.help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}`);
    out.push(`# TYPE ${metric.name} ${metric.kind}`);
    if (metric.kind !== 'histogram') {
      for (const s of metric.series) out.push(`${metric.name}${labelText(s.labels)} ${numberText(s.value)}`);
      continue;
    }
    for (const s of metric.series) {
      let cumulative = 0;
      metric.bounds.forEach((bound, i) => {
        cumulative += s.counts[i] ?? 0;
        out.push(`${metric.name}_bucket${labelText(s.labels, numberText(bound))} ${cumulative}`);
      });
      out.push(`${metric.name}_bucket${labelText(s.labels, '+Inf')} ${s.count}`);
      out.push(`${metric.name}_sum${labelText(s.labels)} ${numberText(s.sum)}`);
      out.push(`${metric.name}_count${labelText(s.labels)} ${s.count}`);
    }
  }
  return out.length === 0 ? '' : `${out.join('\n')}\n`;
}

/** The content type of {@link renderPrometheus}'s output. */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

function labelText(labels: Readonly<Record<string, string>>, le?: string): string {
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${escapeLabel(v)}"`);
  if (le !== undefined) parts.push(`le="${le}"`);
  return parts.length === 0 ? '' : `{${parts.join(',')}}`;
}

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function numberText(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}
