import { describe, expect, it } from 'vitest';
import { MetricsRegistry, renderPrometheus } from '@p2p/base';
import { formatBytes, formatUptime, parsePrometheusText, statusLine, summarize } from '../src/status-line';

function registry(): MetricsRegistry {
  const r = new MetricsRegistry();
  const peers = r.gauge('p2p_peers', 'peers', ['direction']);
  peers.series('incoming').set(2);
  peers.series('outgoing').set(1);
  const received = r.counter('p2p_messages_received_total', 'in', ['flag', 'type']);
  received.series('broadcast', 'broadcast').inc(10);
  received.series('whisper', 'handshake').inc(3);
  r.counter('p2p_messages_sent_total', 'out', ['flag', 'type']).series('broadcast', 'broadcast').inc(4);
  r.counter('p2p_bytes_received_total', 'bytes in', ['compression']).series('snappy').inc(3300);
  r.counter('p2p_bytes_sent_total', 'bytes out', ['compression']).series('none').inc(512);
  r.gauge('p2p_start_time_seconds', 'start').series().set(1000);
  r.histogram('p2p_delivery_latency_seconds', 'latency', [1, 5]).observe(0.2);
  r.gauge('p2p_node_info', 'info', ['id', 'kind']).series('abc "x"', 'mesh').set(1);
  return r;
}

describe('the status summary', () => {
  it('sums a live snapshot and the Prometheus text of the same metrics alike', () => {
    const r = registry();
    const live = summarize(r.snapshot());
    const scraped = summarize(parsePrometheusText(renderPrometheus(r.snapshot())));
    expect(scraped).toEqual(live);
    expect(live).toMatchObject({ peersIncoming: 2, peersOutgoing: 1, messagesIn: 13, messagesOut: 4, bytesIn: 3300, bytesOut: 512, startTime: 1000 });
    expect(live.info).toEqual({ id: 'abc "x"', kind: 'mesh' });
    expect(statusLine(live, 1_065_000)).toBe('peers 3 (2 in, 1 out) | msgs 13 in, 4 out | 3.2 KiB in, 512 B out | up 1m05s');
  });

  it('formats bytes and uptimes; unknown metrics sum to zero', () => {
    expect([0, 1023, 1024, 1536, 5 * 1024 ** 2, 3 * 1024 ** 3].map(formatBytes)).toEqual(['0 B', '1023 B', '1.0 KiB', '1.5 KiB', '5.0 MiB', '3.0 GiB']);
    expect([0, 59, 60, 3599, 3600, 86_399, 90_000, NaN, -1].map(formatUptime)).toEqual(['0s', '59s', '1m00s', '59m59s', '1h00m', '23h59m', '1d01h', '?', '?']);
    const empty = summarize(parsePrometheusText('# nothing here\ngarbage line\n'));
    expect(empty.messagesIn).toBe(0);
    expect(statusLine(empty, 0)).toBe('peers 0 (0 in, 0 out) | msgs 0 in, 0 out | 0 B in, 0 B out | up ?');
  });
});
