/**
 * Raw-socket interop with recorded py2p 0.7 frames (tooling/testnet/vectors/handshake.json and
 * traffic-mesh.json, copied from the shared vectors): a hand-driven TCP client replays what a
 * py2p peer sent, byte for byte, and checks that our answers have py2p's layout.
 */
import * as net from 'node:net';
import { describe, expect, it } from 'vitest';
import { CompressionFlags, MainFlags, SubFlags, encodeFrame, frameFromPacked, fromHex, sha256, utf8Decode, utf8Encode, type Message } from '@p2p/base';
import { waitFor } from '@p2p/testnet';
import { RawPeer, fixture, nextError, nextMessage, node, shiftedClock, track, typed, type RawFrame } from './helpers';

const handshake = fixture('handshake.json');
const traffic = fixture('traffic-mesh.json');
const MESH_PROTOCOL_ID = 'EpAmyZWv9rZUKmjQgU3FTUD4GrJHvVEXizmghVBc8eGD';

/** A type outline of a packet array: what py2p's layout fixes (bin vs str vs int, nesting). */
function shape(value: unknown): unknown {
  if (value instanceof Uint8Array) return 'bin';
  if (typeof value === 'string') return 'str';
  if (typeof value === 'number' || typeof value === 'bigint') return 'int';
  if (value === null) return 'nil';
  if (Array.isArray(value)) {
    // Lists of ints (compression lists) vary in length between implementations.
    if (value.length > 0 && value.every((v) => typeof v === 'number')) return 'int[]';
    return value.map(shape);
  }
  return typeof value;
}

function packetsOf(frame: RawFrame): unknown[] {
  const w = frame.wire;
  return [w.type, new TextEncoder().encode(w.sender), w.time, ...w.payload];
}

function recordedStep(i: number) {
  return handshake.steps[i] as { sent?: Array<{ frame: string; packets: unknown }>; received?: Array<{ packets: unknown; compression: number | null }> };
}

/** A node whose clock reads the time the vectors were recorded, so their broadcasts are fresh. */
function recordedClock(seconds: number) {
  return shiftedClock(seconds * 1000 - Date.now());
}

describe('interop with recorded py2p frames (handshake.json)', () => {
  it('answers a raw client replaying py2p frames with py2p-shaped frames', async () => {
    const sentTimes = recordedStep(1).sent![0]!.packets as unknown[];
    const a = await node({ clock: recordedClock(sentTimes[2] as number), maxOutgoing: 0 });
    const raw = track(await RawPeer.connect(a.outAddr[1]));

    // Step 0: the accepting side speaks first: its handshake, uncompressed, exactly 5 payload fields.
    const hs = await raw.next();
    expect(hs.compression).toBeNull();
    expect(shape(packetsOf(hs))).toEqual(shape(typed(recordedStep(0).received![0]!.packets)));
    expect(hs.wire.payload).toHaveLength(5);
    expect(hs.wire.sender).toBe(a.id);
    expect(utf8Decode(hs.wire.payload[2] as Uint8Array)).toBe(MESH_PROTOCOL_ID);
    expect(hs.wire.payload[3]).toEqual(['127.0.0.1', a.outAddr[1]]);
    expect(hs.wire.payload[4]).toEqual([CompressionFlags.snappy, CompressionFlags.zlib, CompressionFlags.gzip]);
    expect(raw.frames.length).toBe(1);

    // Step 1: py2p's client handshake (compression [zlib]) -> peers, zlib-compressed.
    raw.write(fromHex(recordedStep(1).sent![0]!.frame));
    const peers = await raw.next();
    expect(peers.compression).toBe(CompressionFlags.zlib);
    expect(shape(packetsOf(peers))).toEqual(shape(typed(recordedStep(1).received![0]!.packets)));
    const [[addr, id]] = peers.wire.payload[1] as [[[string, number], Uint8Array]];
    expect(utf8Decode(id)).toBe('RawClientId');
    expect(addr).toEqual(['127.0.0.1', 45788]);
    await waitFor(() => a.peers.has('RawClientId'));

    // Step 2: request "*" as str (py2p's form): we answer with peers (py2p itself fails here, F13).
    raw.write(fromHex(recordedStep(2).sent![0]!.frame));
    const answer = await raw.next();
    expect(answer.compression).toBe(CompressionFlags.zlib);
    expect([answer.wire.type, answer.wire.payload[0]]).toEqual([MainFlags.whisper, SubFlags.peers]);

    // Step 3: renegotiate to [gzip]: adopted and echoed, already gzip-compressed (as py2p).
    raw.write(fromHex(recordedStep(3).sent![0]!.frame));
    const reneg = await raw.next();
    expect(reneg.compression).toBe(CompressionFlags.gzip);
    expect(shape(packetsOf(reneg))).toEqual(shape(typed(recordedStep(3).received![0]!.packets)));
    expect(reneg.wire.payload).toEqual([SubFlags.compression, [CompressionFlags.gzip]]);

    // Step 4: a gzip broadcast from the client reaches the user.
    const got = nextMessage(a);
    raw.write(fromHex(recordedStep(4).sent![0]!.frame));
    const m = await got;
    expect(m.packets).toEqual([SubFlags.broadcast, 'hi from raw']);
    expect(m.sender).toBe('RawClientId');

    // Step 5: user send("from py2p", b"\x01") -> broadcast / broadcast, gzip.
    a.send(['from py2p', new Uint8Array([1])]);
    const out = await raw.next();
    expect(out.compression).toBe(CompressionFlags.gzip);
    expect(shape(packetsOf(out))).toEqual(shape(typed(recordedStep(5).received![0]!.packets)));
    expect(out.wire.payload).toEqual([SubFlags.broadcast, 'from py2p', new Uint8Array([1])]);

    // py2p's failure path sent to us: renegotiate [] then resend. We answer [] uncompressed and
    // re-send our last broadcast unchanged (same id), now uncompressed (1.7.6).
    const time = (sentTimes[2] as number) + 3;
    raw.send({ type: MainFlags.renegotiate, sender: 'RawClientId', time, payload: [SubFlags.compression, []] }, CompressionFlags.gzip);
    const empty = await raw.next();
    expect(empty.compression).toBeNull();
    expect([empty.wire.type, ...empty.wire.payload]).toEqual([MainFlags.renegotiate, SubFlags.compression, []]);
    raw.send({ type: MainFlags.renegotiate, sender: 'RawClientId', time, payload: [SubFlags.resend] });
    const resent = await raw.next();
    expect(resent.compression).toBeNull();
    expect(Buffer.from(resent.wire.id).equals(Buffer.from(out.wire.id))).toBe(true);
    expect(resent.wire.payload).toEqual(out.wire.payload);

    // Step 6: a valid frame whose array has one element. py2p renegotiates; we drop the link
    // with a typed error instead (PROTOCOL.md 1.7.6: do not initiate the empty renegotiation).
    const err = nextError(a, 'MALFORMED_PACKET');
    raw.write(encodeOneElementFrame());
    await err;
    await raw.closed;
    expect(a.peers.size).toBe(0);
  });

  it('a dialing node sends its handshake at once, uncompressed (step 7)', async () => {
    const accepted = new Promise<RawPeer>((resolve) => {
      const server = net.createServer((s) => resolve(track(RawPeer.wrap(s))));
      track({ close: () => new Promise<void>((r) => server.close(() => r())) });
      server.listen(0, '127.0.0.1', () => {
        const port = (server.address() as net.AddressInfo).port;
        void a.then((s) => s.connect('127.0.0.1', port, { timeout: 5000 }).catch(() => {}));
      });
    });
    const a = node();
    const peer = await accepted;
    const hs = await peer.next();
    expect(hs.compression).toBeNull();
    expect(shape(packetsOf(hs))).toEqual(shape(typed(recordedStep(7).received![0]!.packets)));
    expect(hs.wire.payload[0]).toBe(SubFlags.handshake);
  });
});

function encodeOneElementFrame(): Uint8Array {
  // [2] alone: checksum and msgpack are valid, the packet array is not.
  const packed = new Uint8Array([0x91, 0x02]);
  return frameFromPacked(packed, sha256(packed));
}

describe('interop with recorded py2p traffic (traffic-mesh.json)', () => {
  it("plays py2p node B's frames (snappy from python-snappy) against our node as A", async () => {
    const fromB = (traffic.log as Array<{ dir?: string; frame: string; packets: unknown[]; compression: number | null }>).filter(
      (r) => r.dir === 'B->A',
    );
    const fromA = (traffic.log as Array<{ dir?: string; packets: unknown[] }>).filter((r) => r.dir === 'A->B');
    const a = await node({ clock: recordedClock(fromB[0]!.packets[2] as number), maxOutgoing: 0 });
    const raw = track(await RawPeer.connect(a.outAddr[1]));
    const hs = await raw.next();
    expect(shape(packetsOf(hs))).toEqual(shape(typed(fromA[0]!.packets)));

    const delivered: Message[] = [];
    a.on('message', (m) => delivered.push(m));
    // B's handshake (advertising [snappy, zlib, gzip, bz2, lzma]), then its peers (snappy).
    raw.write(fromHex(fromB[0]!.frame));
    const peers = await raw.next();
    expect(peers.compression).toBe(CompressionFlags.snappy);
    expect(shape(packetsOf(peers))).toEqual(shape(typed(fromA[1]!.packets)));
    raw.write(fromHex(fromB[1]!.frame));
    // Whisper ['nested', 1] and the reply whisper: python-snappy bytes decode here.
    raw.write(fromHex(fromB[2]!.frame));
    raw.write(fromHex(fromB[3]!.frame));
    await waitFor(() => delivered.length === 2);
    expect(delivered.map((m) => m.packets)).toEqual([
      [SubFlags.whisper, ['nested', 1]],
      [SubFlags.whisper, 'reply text'],
    ]);
    expect(delivered[0]!.sender).toBe(traffic.B.id);
    // B's request_peers() ("*" as str): answered with peers, not with py2p's renegotiation.
    raw.write(fromHex(fromB[4]!.frame));
    const answer = await raw.next();
    expect(answer.wire.payload[0]).toBe(SubFlags.peers);
    // B's renegotiate []: answered with [] uncompressed.
    raw.write(fromHex(fromB[5]!.frame));
    const reneg = await raw.next();
    expect(reneg.compression).toBeNull();
    expect(reneg.wire.payload).toEqual([SubFlags.compression, []]);

    // A's own broadcast, as py2p A sent it: same layout, uncompressed now.
    a.send(['hello', new Uint8Array([0, 1]), 7]);
    const hello = await raw.next();
    expect(shape(packetsOf(hello))).toEqual(shape(typed(fromA[2]!.packets)));
    expect(a.status).toBe('Nominal');
  });
});

describe('conflict with a py2p-like peer that drops both links (F7)', () => {
  it('re-dials once after a short random delay', async () => {
    const accepted: RawPeer[] = [];
    let onAccept: () => void = () => {};
    const server = net.createServer((s) => {
      accepted.push(track(RawPeer.wrap(s)));
      onAccept();
    });
    track({ close: () => new Promise<void>((r) => server.close(() => r())) });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as net.AddressInfo).port;
    // A tiny id, so our node has the larger one and keeps the link it dialed.
    const peerId = '2';
    const hello = (time: number) =>
      encodeHandshake(peerId, ['127.0.0.1', port], time);

    const a = await node({ maxOutgoing: 0 });
    const dialed = a.connect('127.0.0.1', port);
    await waitFor(() => accepted.length === 1);
    const incoming = track(await RawPeer.connect(a.outAddr[1]));
    const now = Math.floor(Date.now() / 1000);
    accepted[0]!.write(hello(now));
    // As py2p: a peers message answers the handshake it accepted (PROTOCOL.md 4.3 step 5).
    accepted[0]!.write(encodeFrame({ type: MainFlags.whisper, sender: peerId, time: now, payload: [SubFlags.peers, []] }));
    incoming.write(hello(now));
    await dialed;
    // Our node closes the incoming loser itself.
    await incoming.closed;
    expect(a.peers.get(peerId)!.outgoing).toBe(true);
    // The py2p peer drops the winner too: our node dials again.
    const redialed = new Promise<void>((resolve) => (onAccept = resolve));
    accepted[0]!.close();
    await redialed;
    const hs = await accepted[1]!.next();
    expect(hs.wire.payload[0]).toBe(SubFlags.handshake);
    expect(hs.wire.sender).toBe(a.id);
  });
});

function encodeHandshake(id: string, addr: [string, number], time: number): Uint8Array {
  return encodeFrame({
    type: MainFlags.whisper,
    sender: id,
    time,
    payload: [SubFlags.handshake, utf8Encode(id), utf8Encode(MESH_PROTOCOL_ID), addr, [CompressionFlags.zlib]],
  });
}
