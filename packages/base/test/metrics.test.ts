import parsePrometheus from 'parse-prometheus-text-format';
import { describe, expect, it } from 'vitest';
import { MetricsRegistry, OVERFLOW_LABEL, isP2PError, renderPrometheus } from '../src/index';

describe('MetricsRegistry', () => {
  it('counts labelled series, keeps one series per label set, and snapshots them', () => {
    const registry = new MetricsRegistry({ now: () => 1234 });
    const sent = registry.counter('p2p_test_sent_total', 'frames sent', ['flag', 'type']);
    const a = sent.series('whisper', 'handshake');
    a.inc();
    a.inc(2);
    expect(sent.series('whisper', 'handshake')).toBe(a);
    sent.series('broadcast', 'broadcast').inc();
    const snap = registry.snapshot();
    expect(snap.time).toBe(1234);
    expect(snap.metrics).toEqual([
      {
        kind: 'counter',
        name: 'p2p_test_sent_total',
        help: 'frames sent',
        series: [
          { labels: { flag: 'whisper', type: 'handshake' }, value: 3 },
          { labels: { flag: 'broadcast', type: 'broadcast' }, value: 1 },
        ],
      },
    ]);
  });

  it('bounds the series per metric: new label values past the bound share the "other" series', () => {
    const registry = new MetricsRegistry({ maxSeries: 3 });
    const c = registry.counter('c_total', 'c', ['peer']);
    for (let i = 0; i < 10; i++) c.series(`p${i}`).inc();
    const [metric] = registry.snapshot().metrics;
    expect(metric!.series).toHaveLength(4);
    expect(metric!.series.at(-1)).toEqual({ labels: { peer: OVERFLOW_LABEL }, value: 7 });
  });

  it('returns the same metric for the same name and refuses a conflicting one', () => {
    const registry = new MetricsRegistry();
    expect(registry.counter('x_total', 'x', ['a'])).toBe(registry.counter('x_total', 'x', ['a']));
    const refusals = [
      () => registry.gauge('x_total', 'x', ['a']),
      () => registry.counter('x_total', 'x', ['b']),
      () => registry.counter('bad name', 'x'),
      () => registry.counter('y_total', 'x', ['__reserved']),
      () => registry.histogram('h', 'h', [2, 1]),
      () => registry.histogram('h', 'h', [1], ['le']),
      () => registry.counter('z_total', 'z', ['a']).series(),
    ];
    for (const refuse of refusals) {
      let error: unknown;
      try {
        refuse();
      } catch (err) {
        error = err;
      }
      expect(isP2PError(error, 'INVALID_ARGUMENT')).toBe(true);
    }
  });

  it('histograms count each observation in the first bucket whose bound holds it', () => {
    const registry = new MetricsRegistry();
    const h = registry.histogram('latency_seconds', 'latency', [1, 5]);
    for (const v of [0, 1, 1.5, 5, 7, 100]) h.observe(v);
    const [metric] = registry.snapshot().metrics;
    expect(metric).toMatchObject({ kind: 'histogram', bounds: [1, 5], series: [{ labels: {}, counts: [2, 2, 2], sum: 114.5, count: 6 }] });
  });

  it('gauges go up and down; collected series are read at snapshot time', () => {
    const registry = new MetricsRegistry();
    const g = registry.gauge('queue_depth', 'queued');
    g.series().inc(5);
    g.series().dec(2);
    let peers = 1;
    registry.gauge('peers', 'peers by direction', ['direction'], (report) => {
      report(peers, 'incoming');
      report(peers * 2, 'outgoing');
    });
    peers = 3;
    const [depth, byDirection] = registry.snapshot().metrics;
    expect(depth!.series).toEqual([{ labels: {}, value: 3 }]);
    expect(byDirection!.series).toEqual([
      { labels: { direction: 'incoming' }, value: 3 },
      { labels: { direction: 'outgoing' }, value: 6 },
    ]);
  });
});

describe('renderPrometheus', () => {
  it('writes the text exposition format, which an independent parser reads back', () => {
    const registry = new MetricsRegistry();
    const c = registry.counter('p2p_messages_total', 'messages\nby "type"', ['type']);
    c.series('a"b\\c').inc(4);
    registry.gauge('p2p_peers', 'peers').series().set(2);
    const h = registry.histogram('p2p_latency_seconds', 'latency', [0.5, 2], ['flag']);
    h.series('whisper').observe(0.1);
    h.series('whisper').observe(1);
    h.series('whisper').observe(9);
    const text = renderPrometheus(registry.snapshot());
    expect(text).toContain('# TYPE p2p_messages_total counter\np2p_messages_total{type="a\\"b\\\\c"} 4\n');
    expect(text).toContain('p2p_latency_seconds_bucket{flag="whisper",le="0.5"} 1\n');
    expect(text).toContain('p2p_latency_seconds_bucket{flag="whisper",le="2"} 2\n');
    expect(text).toContain('p2p_latency_seconds_bucket{flag="whisper",le="+Inf"} 3\n');
    expect(text.endsWith('p2p_latency_seconds_count{flag="whisper"} 3\n')).toBe(true);
    const parsed = parsePrometheus(text);
    expect(parsed.map((m) => [m.name, m.type])).toEqual([
      ['p2p_messages_total', 'COUNTER'],
      ['p2p_peers', 'GAUGE'],
      ['p2p_latency_seconds', 'HISTOGRAM'],
    ]);
    expect(parsed[0]!.metrics[0]).toEqual({ value: '4', labels: { type: 'a"b\\c' } });
    expect(parsed[1]!.metrics[0]!.value).toBe('2');
    // (This parser drops _sum/_count of labelled histograms; the unlabelled one below has them.)
    expect(parsed[2]!.metrics[0]).toMatchObject({ buckets: { '0.5': '1', '2': '2', '+Inf': '3' } });
    const plain = new MetricsRegistry();
    plain.histogram('p2p_hops', 'hops', [1, 3]).observe(2);
    expect(parsePrometheus(renderPrometheus(plain.snapshot()))[0]!.metrics[0]).toEqual({ buckets: { '1': '0', '3': '1', '+Inf': '1' }, count: '1', sum: '2' });
  });

  it('renders an empty registry as empty text', () => {
    expect(renderPrometheus(new MetricsRegistry().snapshot())).toBe('');
  });
});
