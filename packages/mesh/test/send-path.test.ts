/**
 * The per-message shortcuts of the send and receive paths keep their promises: a tick of frames
 * leaves in a few writes, whole and in order; a received body that is its whole chunk is kept
 * without a copy; whispers take no room in the waterfall; the outgoing count behind automatic
 * dials follows the table; after a peer leaves, a few peers are asked for theirs, at most once
 * per interval. Real nodes over TCP on 127.0.0.1.
 */
import { describe, expect, it } from 'vitest';
import { CompressionFlags, MainFlags, SubFlags, encodeMsgpack, frameFromPacked, tcpTransport, type MetricsSnapshot, type Transport } from '@p2p/base';
import { eventually, waitFor } from '@p2p/testnet';
import { BatchSlab, MAX_PIECE_BYTES, SLAB_BYTES } from '../src/batch-slab';
import { spansItsBuffer } from '../src/received-body';
import { peerEntryRaw, peersField } from '../src/payloads';
import { ASKED_PEERS, REFRESH_INTERVAL_MS, pickSome, refreshDelay } from '../src/peers-refresh';
import { RawPeer, nextMessage, node, track } from './helpers';
import { overriding, wrapConnections } from './wrap-transport';

function series(snap: MetricsSnapshot, name: string, labels: Record<string, string> = {}): number {
  const metric = snap.metrics.find((m) => m.name === name);
  if (!metric || metric.kind === 'histogram') return 0;
  return metric.series.filter((s) => Object.entries(labels).every(([k, v]) => s.labels[k] === v)).reduce((sum, s) => sum + s.value, 0);
}

/** Counts the writes a node's connections hand their transport. */
function countingTransport(inner: Transport, count: { writes: number }): Transport {
  return wrapConnections(inner, (conn) =>
    overriding(conn, {
      write: (data: Uint8Array) => {
        count.writes++;
        return conn.write(data);
      },
    }),
  );
}

describe('BatchSlab', () => {
  it('hands out consecutive pieces that never overlap, a new slab when one is used up, and large batches apart', () => {
    const slab = new BatchSlab();
    const a = slab.take(100);
    const b = slab.take(200);
    expect(a.buffer).toBe(b.buffer);
    expect(b.byteOffset).toBe(a.byteOffset + 100);
    a.fill(1);
    expect(b.every((x) => x === 0)).toBe(true);
    let last = b;
    for (let used = 300; used + MAX_PIECE_BYTES <= SLAB_BYTES; used += MAX_PIECE_BYTES) last = slab.take(MAX_PIECE_BYTES);
    const next = slab.take(MAX_PIECE_BYTES);
    expect(next.buffer).not.toBe(last.buffer);
    expect(next.byteOffset).toBe(0);
    const large = slab.take(MAX_PIECE_BYTES + 1);
    expect(large.buffer.byteLength).toBe(MAX_PIECE_BYTES + 1);
    expect(slab.take(10).buffer).toBe(next.buffer);
  });
});

describe('spansItsBuffer', () => {
  it('is true for a body that is (nearly) its whole chunk, false for one of several frames', () => {
    const chunk = new Uint8Array(154);
    expect(spansItsBuffer(chunk.subarray(4))).toBe(true);
    expect(spansItsBuffer(new Uint8Array(3000).subarray(4, 2804))).toBe(true); // an eighth of slack
    expect(spansItsBuffer(new Uint8Array(65_536).subarray(4, 154))).toBe(false);
    expect(spansItsBuffer(new Uint8Array(3000).subarray(4, 1504))).toBe(false);
  });
});

describe('peers-list entries encoded once', () => {
  it('splice into exactly the bytes of the list built in place', () => {
    const entries = [
      { id: '8qT1rVVYn1nFkX', addr: ['127.0.0.1', 4444] as [string, number] },
      { id: '7pS2qUUXm2mEjW', addr: ['10.0.0.1', 65535] as [string, number] },
    ];
    expect(encodeMsgpack([SubFlags.peers, entries.map(peerEntryRaw)])).toEqual(encodeMsgpack([SubFlags.peers, ...peersField(entries)]));
  });
});

describe('sending over TCP', () => {
  it('a tick of 300 frames to one peer leaves in a few writes, every one whole and in order', async () => {
    const count = { writes: 0 };
    const a = await node({ transport: countingTransport(tcpTransport(), count) });
    const b = await node();
    await a.connect(...b.outAddr);
    const got: unknown[] = [];
    b.on('message', (m) => got.push(m.packets[1]));
    // Small frames batch into slab pieces, a few are over MAX_PIECE_BYTES and get a buffer of their own.
    const sent = Array.from({ length: 300 }, (_, i) => `${i}:` + String.fromCharCode(97 + (i % 26)).repeat(i % 50 === 0 ? 9_000 : i % 7));
    const before = count.writes;
    for (const text of sent) a.send([text], { flag: MainFlags.whisper, type: SubFlags.whisper });
    await waitFor(() => got.length === sent.length);
    expect(got).toEqual(sent);
    expect(count.writes - before).toBeLessThanOrEqual(10);
  });

  it('whispers take no room in the waterfall: after many, the echo of an earlier broadcast is still dropped', async () => {
    const a = await node({ limits: { maxSeen: 2 } });
    const raw = track(await RawPeer.handshake(a));
    await waitFor(() => a.peers.size === 1);
    a.send(['once']);
    const broadcast = await raw.nextWhere((f) => f.wire.type === MainFlags.broadcast);
    for (let i = 0; i < 10; i++) a.send([i], { flag: MainFlags.whisper, type: SubFlags.whisper });
    await raw.nextWhere((f) => f.wire.payload[1] === 9);
    expect(a.stats.evictedSeen).toBe(0);
    const delivered: unknown[] = [];
    a.on('message', (m) => delivered.push(m.packets[1]));
    raw.write(frameFromPacked(broadcast.wire.packed, broadcast.wire.id, null));
    await eventually(() => expect(series(a.metrics(), 'p2p_duplicates_dropped_total')).toBe(1));
    // A later message still arrives: the echo was dropped, the link kept.
    raw.sendPayload(MainFlags.whisper, [SubFlags.whisper, 'after']);
    expect((await nextMessage(a)).packets[1]).toBe('after');
    expect(delivered).toEqual(['after']);
  });

  it('counts outgoing and incoming peers as they come and go (the p2p_peers gauge, automatic dials)', async () => {
    const a = await node();
    const [b, c, d] = await Promise.all([node(), node(), node()]);
    await a.connect(...b.outAddr);
    await a.connect(...c.outAddr);
    await d.connect(...a.outAddr);
    const gauge = (direction: string) => series(a.metrics(), 'p2p_peers', { direction });
    await waitFor(() => a.peers.size === 3);
    expect([gauge('outgoing'), gauge('incoming')]).toEqual([2, 1]);
    expect(a.outgoingIds().length).toBe(2);
    await b.close();
    await d.close();
    await waitFor(() => a.peers.size === 1);
    expect([gauge('outgoing'), gauge('incoming')]).toEqual([1, 0]);
    expect(a.outgoingIds()).toEqual([c.id]);
  });
});

describe('a link this node is closing', () => {
  it("still reads the peer's compressed whispers after a handshake it does not act on: no BAD_CHECKSUM", async () => {
    const n = await node();
    const errors: string[] = [];
    n.on('error', (e) => errors.push(e.code));
    const got: unknown[] = [];
    n.on('message', (m) => got.push(m.packets[1]));
    const raw = track(await RawPeer.connect(n.outAddr[1]));
    await raw.nextWhere((f) => f.wire.payload[0] === SubFlags.handshake);
    await waitFor(() => n.pendingConnections.length === 1);
    // Closed here before the peer's handshake is read; the peer, which has this node's
    // handshake, goes on with its own and a whisper compressed as both advertise.
    n.disconnect(n.pendingConnections[0]!);
    raw.sendHandshake(n.protocol.idBytes(), { compression: [CompressionFlags.snappy] });
    raw.send({ type: MainFlags.whisper, sender: raw.id, time: Math.floor(Date.now() / 1000), payload: [SubFlags.whisper, 'late reply'] }, CompressionFlags.snappy);
    await raw.closed;
    await eventually(() => expect(got).toEqual(['late reply']));
    expect(errors).toEqual([]);
  });
});

describe('asking for peers lists after a peer left', () => {
  it('asks at once, then waits out the interval; an ask already planned covers later closes', () => {
    expect(refreshDelay(undefined, 5_000, false)).toBe(0);
    expect(refreshDelay(5_000, 5_200, false)).toBe(REFRESH_INTERVAL_MS - 200);
    expect(refreshDelay(5_000, 5_200, true)).toBeUndefined();
    expect(refreshDelay(5_000, 5_000 + REFRESH_INTERVAL_MS, false)).toBe(0);
  });

  it('picks each peer at most once, all of them when there are few', () => {
    const picked = pickSome([1, 2, 3, 4, 5], 2, () => 0.99);
    expect(picked).toHaveLength(2);
    expect(new Set(picked).size).toBe(2);
    expect(pickSome([1], 2).sort()).toEqual([1]);
    expect(pickSome([1, 2, 3], 5).sort()).toEqual([1, 2, 3]);
  });

  it(`asks ${ASKED_PEERS} of the remaining peers when one closes, and once more after the interval for closes within it`, async () => {
    const n = await node();
    const ids = ['8qT1rVVYn1nFkX', '7pS2qUUXm2mEjW', '5nQ4oSSVk4kChU', '4mP5nRRUj5jBgT'];
    const raws: RawPeer[] = [];
    for (const id of ids) raws.push(track(await RawPeer.handshake(n, { id })));
    await waitFor(() => n.peers.size === 4);
    const requests = () => raws.reduce((sum, r) => sum + r.frames.filter((f) => f.wire.type === MainFlags.whisper && f.wire.payload[0] === SubFlags.request).length, 0);
    expect(requests()).toBe(0);

    // The first round follows this close: less time has passed since that round than since now.
    const closedAt = Date.now();
    raws[0]!.close();
    await waitFor(() => requests() === ASKED_PEERS);
    raws[1]!.close();
    await waitFor(() => n.peers.size === 2);
    await new Promise((resolve) => setTimeout(resolve, 200));
    // Still within the interval (unless this machine was too slow to tell): nothing more asked yet.
    if (Date.now() - closedAt < REFRESH_INTERVAL_MS) expect(requests()).toBe(ASKED_PEERS);
    // The planned round asks the two peers left.
    await waitFor(() => requests() === 2 * ASKED_PEERS, { timeout: 4_000 });
    expect(Date.now() - closedAt).toBeGreaterThanOrEqual(REFRESH_INTERVAL_MS);
    expect(n.status).toBe('Nominal');
  });

  it('a planned round dies with the socket: no timer of its clock is left', async () => {
    const live = new Set<unknown>();
    const clock = {
      now: () => Date.now(),
      setTimeout: (fn: () => void, ms: number) => {
        const t = setTimeout(() => (live.delete(t), fn()), ms);
        live.add(t);
        return t;
      },
      clearTimeout: (t: unknown) => (live.delete(t), clearTimeout(t as NodeJS.Timeout)),
    };
    const n = await node({ clock });
    const ids = ['8qT1rVVYn1nFkX', '7pS2qUUXm2mEjW', '5nQ4oSSVk4kChU', '4mP5nRRUj5jBgT'];
    const raws: RawPeer[] = [];
    for (const id of ids) raws.push(track(await RawPeer.handshake(n, { id })));
    await waitFor(() => n.peers.size === 4);
    const requests = () => raws.reduce((sum, r) => sum + r.frames.filter((f) => f.wire.payload[0] === SubFlags.request).length, 0);
    raws[0]!.close();
    await waitFor(() => requests() === ASKED_PEERS);
    raws[1]!.close();
    await waitFor(() => n.peers.size === 2);
    expect(live.size).toBeGreaterThan(0); // the planned round, among others
    await n.close();
    expect(live.size).toBe(0);
    expect(requests()).toBe(ASKED_PEERS);
  });
});
