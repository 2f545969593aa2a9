import { describe, expect, it } from 'vitest';
import { MainFlags, SubFlags, encodeFrame, renderPrometheus, type MetricsSnapshot } from '@p2p/base';
import { eventually, waitFor } from '@p2p/testnet';
import { RawPeer, node, nextMessage, track } from './helpers';

/** The value of one counter or gauge series (0 when absent). */
function value(snap: MetricsSnapshot, name: string, labels: Record<string, string> = {}): number {
  const metric = snap.metrics.find((m) => m.name === name);
  if (!metric || metric.kind === 'histogram') return 0;
  const series = metric.series.find((s) => Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  return series?.value ?? 0;
}

/** The sum of every series of a counter or gauge. */
function total(snap: MetricsSnapshot, name: string): number {
  const metric = snap.metrics.find((m) => m.name === name);
  if (!metric || metric.kind === 'histogram') return 0;
  return metric.series.reduce((sum, s) => sum + s.value, 0);
}

describe('MeshSocket metrics()', () => {
  it('counts messages by type, relays, bytes by compression, connections and latency on a real line a - b - c', async () => {
    // maxOutgoing 1: nobody dials a third link on its own, so the line stays a line.
    const [a, b, c] = [await node({ maxOutgoing: 1 }), await node({ maxOutgoing: 1 }), await node({ maxOutgoing: 1 })];
    await a.connect(...b.outAddr);
    await c.connect(...b.outAddr);
    await waitFor(() => b.peers.size === 2);
    const seen = [nextMessage(c, (m) => m.packets[1] === 'third')];
    for (const text of ['first', 'second', 'third']) a.send([text]);
    await Promise.all(seen);

    const sa = a.metrics();
    const sb = b.metrics();
    const sc = c.metrics();
    expect(value(sa, 'p2p_messages_sent_total', { flag: 'broadcast', type: 'broadcast' })).toBe(3);
    expect(value(sb, 'p2p_messages_received_total', { flag: 'broadcast', type: 'broadcast' })).toBe(3);
    expect(value(sb, 'p2p_messages_relayed_total', { type: 'broadcast' })).toBe(3);
    expect(value(sc, 'p2p_messages_received_total', { flag: 'broadcast', type: 'broadcast' })).toBe(3);
    // Every link starts with one handshake each way, and a peers reply to each handshake.
    expect(value(sb, 'p2p_messages_sent_total', { flag: 'whisper', type: 'handshake' })).toBe(2);
    expect(value(sb, 'p2p_messages_received_total', { flag: 'whisper', type: 'handshake' })).toBe(2);
    expect(value(sa, 'p2p_messages_received_total', { flag: 'whisper', type: 'peers' })).toBeGreaterThanOrEqual(1);
    expect(value(sb, 'p2p_connections_opened_total', { direction: 'incoming' })).toBe(2);
    expect(value(sa, 'p2p_connections_opened_total', { direction: 'outgoing' })).toBe(1);
    expect(value(sb, 'p2p_peers', { direction: 'incoming' })).toBe(2);
    expect(value(sa, 'p2p_peers', { direction: 'outgoing' })).toBe(1);

    // Bytes: the per-method totals add up to what the links themselves counted.
    const link = a.peers.get(b.id)!;
    expect(total(sa, 'p2p_bytes_sent_total')).toBe(link.bytesSent);
    expect(total(sa, 'p2p_bytes_received_total')).toBe(link.bytesReceived);
    expect(value(sa, 'p2p_bytes_sent_total', { compression: 'none' })).toBeGreaterThan(0); // the handshake is never compressed
    expect(value(sa, 'p2p_connection_bytes', { peer: b.id.slice(0, 12), direction: 'sent' })).toBe(link.bytesSent);

    // Latency: one observation per decoded frame, all within the first minute.
    const latency = sc.metrics.find((m) => m.name === 'p2p_delivery_latency_seconds');
    expect(latency?.kind).toBe('histogram');
    if (latency?.kind !== 'histogram') return;
    const [series] = latency.series;
    expect(series!.count).toBe(total(sc, 'p2p_messages_received_total'));
    const withinMinute = latency.bounds.indexOf(60);
    expect(series!.counts.slice(0, withinMinute + 1).reduce((x, y) => x + y, 0)).toBe(series!.count);
  });

  it('counts duplicates and expired broadcasts as drops, and handshake failures and closes by error code', async () => {
    const a = await node();
    const raw = track(await RawPeer.handshake(a));
    const frame = encodeFrame({ type: MainFlags.broadcast, sender: raw.id, time: Math.floor(Date.now() / 1000), payload: [SubFlags.broadcast, 'once'] });
    raw.write(frame);
    raw.write(frame);
    raw.sendPayload(MainFlags.broadcast, [SubFlags.broadcast, 'old'], Math.floor(Date.now() / 1000) - 3600);
    await eventually(() => {
      const s = a.metrics();
      expect(value(s, 'p2p_duplicates_dropped_total')).toBe(1);
      expect(value(s, 'p2p_messages_dropped_total', { reason: 'duplicate' })).toBe(1);
      expect(value(s, 'p2p_messages_dropped_total', { reason: 'expired' })).toBe(1);
    });

    // Another network's handshake: the link drops before any handshake was accepted.
    const stranger = track(await RawPeer.connect(a.outAddr[1]));
    await stranger.nextWhere((f) => f.wire.payload[0] === SubFlags.handshake);
    stranger.sendHandshake('not-this-protocol');
    await stranger.closed;
    raw.close();
    await waitFor(() => a.peers.size === 0);
    await eventually(() => {
      const s = a.metrics();
      expect(value(s, 'p2p_handshake_failures_total', { reason: 'PROTOCOL_MISMATCH' })).toBe(1);
      expect(value(s, 'p2p_connections_closed_total', { reason: 'PROTOCOL_MISMATCH' })).toBe(1);
      expect(total(s, 'p2p_connections_closed_total')).toBe(2);
      expect(value(s, 'p2p_connections_opened_total', { direction: 'incoming' })).toBe(2);
    });
  });

  it('renders as Prometheus text, and stats reads the same parts as before', async () => {
    const a = await node();
    const b = await node();
    await b.connect(...a.outAddr);
    const text = renderPrometheus(a.metrics());
    expect(text).toContain('# TYPE p2p_messages_received_total counter\n');
    expect(text).toMatch(/^p2p_messages_received_total\{flag="whisper",type="handshake"\} 1$/m);
    expect(text).toMatch(/^p2p_peers\{direction="incoming"\} 1$/m);
    expect(text).toContain('p2p_delivery_latency_seconds_bucket{le="+Inf"}');
    expect(a.stats).toEqual({ droppedMessages: 0, expiredBroadcasts: 0, evictedSeen: 0, refusedConnections: 0, droppedWrites: 0 });
  });
});
