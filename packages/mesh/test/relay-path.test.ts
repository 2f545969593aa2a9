/**
 * The fast paths of the receive and relay pipeline, on a live node over TCP: a frame of a
 * broadcast already accepted is dropped before decoding (counted, never delivered, the link
 * kept); anything else is decoded and verified as always; a relay forwards the body it
 * received, byte for byte, to a peer using the same compression.
 */
import { describe, expect, it } from 'vitest';
import { CompressionFlags, MainFlags, SubFlags, encodeFrame, frameFromPacked, packPacket, type MetricsSnapshot } from '@p2p/base';
import { eventually, waitFor } from '@p2p/testnet';
import { Waterfall } from '../src/waterfall';
import { RawPeer, nextError, nextMessage, node, track } from './helpers';

const now = () => Math.floor(Date.now() / 1000);

function counter(snap: MetricsSnapshot, name: string, labels: Record<string, string> = {}): number {
  const metric = snap.metrics.find((m) => m.name === name);
  if (!metric || metric.kind === 'histogram') return 0;
  return metric.series.filter((s) => Object.entries(labels).every(([k, v]) => s.labels[k] === v)).reduce((sum, s) => sum + s.value, 0);
}

/** A snappy block holding `data` as one literal: valid, but not what any compressor writes for repetitive data. */
function literalSnappy(data: Uint8Array): Uint8Array {
  const varint: number[] = [];
  for (let n = data.length; ; n >>>= 7) {
    if (n < 0x80) {
      varint.push(n);
      break;
    }
    varint.push((n & 0x7f) | 0x80);
  }
  const len = data.length - 1;
  const tag = len < 60 ? [len << 2] : len < 256 ? [60 << 2, len] : [61 << 2, len & 0xff, len >>> 8];
  return new Uint8Array([...varint, ...tag, ...data]);
}

describe('Waterfall.seen', () => {
  it('knows an id admitted or remembered, whatever its timestamp, and forgets it with the window', () => {
    const w = new Waterfall(10);
    const id = new Uint8Array(32).fill(7);
    const other = new Uint8Array(32).fill(8);
    expect(w.seen(id)).toBe(false);
    expect(w.admit(id, 1000, 1000)).toBe('new');
    expect(w.seen(id)).toBe(true);
    expect(w.seen(other)).toBe(false);
    w.remember(other, 1000, 1000);
    expect(w.seen(other)).toBe(true);
    w.prune(1060);
    expect(w.seen(id)).toBe(false);
  });
});

describe('duplicates are dropped before decoding', () => {
  it('a copy, even one with a forged tail, is counted and not delivered; the link stays; a forged frame under a new id still drops it', async () => {
    const a = await node();
    const raw = track(await RawPeer.handshake(a));
    const frame = encodeFrame({ type: MainFlags.broadcast, sender: raw.id, time: now(), payload: [SubFlags.broadcast, 'once'] });
    const delivered: unknown[] = [];
    a.on('message', (m) => delivered.push(m.packets[1]));
    const first = nextMessage(a);
    raw.write(frame);
    expect((await first).packets[1]).toBe('once');

    raw.write(frame);
    const forgedTail = frame.slice();
    forgedTail[forgedTail.length - 1]! ^= 0xff;
    raw.write(forgedTail);
    await eventually(() => expect(counter(a.metrics(), 'p2p_duplicates_dropped_total')).toBe(2));
    // The bytes of the dropped copies are counted all the same.
    const link = [...a.peers.values()][0]!;
    expect(counter(a.metrics(), 'p2p_bytes_received_total')).toBe(link.bytesReceived);

    // Still open, still delivering.
    const next = nextMessage(a);
    raw.sendPayload(MainFlags.broadcast, [SubFlags.broadcast, 'twice']);
    expect((await next).packets[1]).toBe('twice');
    expect(delivered).toEqual(['once', 'twice']);

    // A whisper claiming the same checksum is not a broadcast: decoded, verified, dropped.
    const { packed } = packPacket({ type: MainFlags.whisper, sender: raw.id, time: now(), payload: [SubFlags.whisper, 'x'] });
    const whisper = frameFromPacked(packed, frame.subarray(4, 36));
    const bad = nextError(a, 'BAD_CHECKSUM');
    raw.write(whisper);
    await bad;
    await raw.closed;
    expect(delivered).toEqual(['once', 'twice']);
  });
});

describe('relays forward the body they received', () => {
  it('byte for byte to a peer on the same compression, re-framed for one on another', async () => {
    const a = await node();
    const from = track(await RawPeer.handshake(a, { compression: [CompressionFlags.snappy] }));
    const toSnappy = track(await RawPeer.handshake(a, { id: '8qT1rVVYn1nFkX', compression: [CompressionFlags.snappy] }));
    const toRaw = track(await RawPeer.handshake(a, { id: '7pS2qUUXm2mEjW' }));
    await waitFor(() => a.peers.size === 3);

    // Repetitive enough that a compressor would write copies; sent as one literal instead.
    const { packed, id } = packPacket({ type: MainFlags.broadcast, sender: from.id, time: now(), payload: [SubFlags.broadcast, 'ab'.repeat(200)] });
    const body = literalSnappy(new Uint8Array([...id, ...packed]));
    const frame = new Uint8Array(4 + body.length);
    new DataView(frame.buffer).setUint32(0, body.length);
    frame.set(body, 4);
    from.write(frame);

    const viaSnappy = await toSnappy.nextWhere((f) => f.wire.type === MainFlags.broadcast);
    expect(viaSnappy.compression).toBe(CompressionFlags.snappy);
    expect(Array.from(viaSnappy.wire.body!)).toEqual(Array.from(body));
    const viaRaw = await toRaw.nextWhere((f) => f.wire.type === MainFlags.broadcast);
    expect(viaRaw.compression).toBeNull();
    expect(Array.from(viaRaw.wire.packed)).toEqual(Array.from(packed));
    expect(Array.from(viaRaw.wire.id)).toEqual(Array.from(id));
    // Never back to where it came from.
    await new Promise((r) => setTimeout(r, 50));
    expect(from.frames.some((f) => f.wire.type === MainFlags.broadcast)).toBe(false);
  });

  it('a zlib body is inflated and compressed again, never forwarded as it came (py2p and js2p read zlib and gzip differently)', async () => {
    const a = await node();
    const from = track(await RawPeer.handshake(a, { compression: [CompressionFlags.zlib] }));
    const to = track(await RawPeer.handshake(a, { id: '8qT1rVVYn1nFkX', compression: [CompressionFlags.zlib] }));
    await waitFor(() => a.peers.size === 2);
    // gzip bytes under the zlib flag: accepted (as py2p does), but a strict peer could not read them.
    const gzipFrame = encodeFrame({ type: MainFlags.broadcast, sender: from.id, time: now(), payload: [SubFlags.broadcast, 'z'] }, { compression: CompressionFlags.gzip });
    from.write(gzipFrame);
    const got = await to.nextWhere((f) => f.wire.type === MainFlags.broadcast);
    expect(got.compression).toBe(CompressionFlags.zlib);
    expect(got.wire.payload[1]).toBe('z');
    expect(got.wire.sender).toBe(from.id);
  });
});
