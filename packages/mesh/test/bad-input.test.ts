/**
 * Hostile or broken input against a live node: the offending connection is dropped with a
 * typed error event, and the node keeps serving its other peer.
 */
import { describe, expect, it } from 'vitest';
import { MainFlags, Protocol, SubFlags, encodeFrame, encodeMsgpack, frameFromPacked, sha256, utf8Encode } from '@p2p/base';
import { waitFor } from '@p2p/testnet';
import { RawPeer, nextError, nextMessage, node, track } from './helpers';

const RAW_ID = '3mJr7AoUXx2Wqd';

function handshakeFrame(protocolId: string, fields?: unknown[]): Uint8Array {
  return encodeFrame({
    type: MainFlags.whisper,
    sender: RAW_ID,
    time: Math.floor(Date.now() / 1000),
    payload: [SubFlags.handshake, ...(fields ?? [utf8Encode(RAW_ID), utf8Encode(protocolId), ['127.0.0.1', 9], [0x13]])],
  });
}

function handshakeFrameCompressed(protocolId: string): Uint8Array {
  const fields = [utf8Encode(RAW_ID), utf8Encode(protocolId), ['127.0.0.1', 9], [0x13]];
  return encodeFrame({ type: MainFlags.whisper, sender: RAW_ID, time: Math.floor(Date.now() / 1000), payload: [SubFlags.handshake, ...fields] }, { compression: 0x13 });
}

function frameOf(packed: Uint8Array): Uint8Array {
  return frameFromPacked(packed, sha256(packed));
}

const cases: Array<{ name: string; code: string; bytes: () => Uint8Array[] }> = [
  { name: 'text garbage (an HTTP request)', code: 'FRAME_TOO_LARGE', bytes: () => [utf8Encode('GET / HTTP/1.1\r\nHost: x\r\n\r\n')] },
  { name: 'oversized length header (4 GiB)', code: 'FRAME_TOO_LARGE', bytes: () => [new Uint8Array([0xff, 0xff, 0xff, 0xff, 1, 2, 3])] },
  {
    name: 'length header one byte over maxFrameBytes',
    code: 'FRAME_TOO_LARGE',
    bytes: () => [new Uint8Array([0x00, 0x01, 0x00, 0x01])], // 65537 > 65536 (the test node's limit)
  },
  { name: 'body shorter than a checksum', code: 'TRUNCATED_FRAME', bytes: () => [new Uint8Array([0, 0, 0, 4, 1, 2, 3, 4])] },
  {
    name: 'bad checksum',
    code: 'BAD_CHECKSUM',
    bytes: () => {
      const f = handshakeFrame(new Protocol('mesh', 'Plaintext').id);
      f[10]! ^= 0xff;
      return [f];
    },
  },
  { name: 'valid frame with garbage msgpack', code: 'BAD_MSGPACK', bytes: () => [frameOf(new Uint8Array([0xc1, 0x00, 0xff]))] },
  { name: 'valid msgpack that is not a packet array', code: 'MALFORMED_PACKET', bytes: () => [frameOf(encodeMsgpack('hello'))] },
  { name: 'wrong protocol', code: 'PROTOCOL_MISMATCH', bytes: () => [handshakeFrame(new Protocol('other', 'Plaintext').id)] },
  {
    name: 'malformed handshake fields',
    code: 'BAD_MESSAGE',
    bytes: () => [handshakeFrame('x', [42, 'proto', 'not an address', 'not a list'])],
  },
  {
    name: 'a broadcast before any handshake',
    code: 'BAD_MESSAGE',
    bytes: () => [encodeFrame({ type: MainFlags.broadcast, sender: RAW_ID, time: Math.floor(Date.now() / 1000), payload: [SubFlags.broadcast, 'forged'] })],
  },
  {
    // Not inflated before the handshake: the zlib body is read raw, and fails its checksum.
    name: 'a compressed frame before any handshake',
    code: 'BAD_CHECKSUM',
    bytes: () => [handshakeFrameCompressed(new Protocol('mesh', 'Plaintext').id)],
  },
  {
    name: 'half-sent frame never finished',
    code: 'STALLED_FRAME',
    bytes: () => [handshakeFrame(new Protocol('mesh', 'Plaintext').id).subarray(0, 50)],
  },
];

describe('bad input against a live node', () => {
  it.each(cases)('$name -> $code, and the other peer is still served', async ({ code, bytes }) => {
    const n = await node({ limits: { maxFrameBytes: 65536, stalledFrameTimeout: 200, handshakeTimeout: 5000 } });
    const good = await node();
    await good.connect(...n.outAddr);
    await waitFor(() => n.peers.size === 1);

    const raw = track(await RawPeer.connect(n.outAddr[1]));
    await raw.next(); // the node's handshake
    const err = nextError(n, code);
    for (const chunk of bytes()) raw.write(chunk);
    const e = await err;
    expect(e.code).toBe(code);
    await raw.closed;

    // The node still serves its good peer, both ways.
    const toN = nextMessage(n);
    good.send(['still here']);
    expect((await toN).packets[1]).toBe('still here');
    const toGood = nextMessage(good);
    n.send(['and back']);
    expect((await toGood).packets[1]).toBe('and back');
    expect(n.peers.size).toBe(1);
    await waitFor(() => n.pendingConnections.length === 0);
  });

  it('relays nothing a connection sent before its handshake', async () => {
    const n = await node();
    const good = await node();
    await good.connect(...n.outAddr);
    await waitFor(() => n.peers.size === 1);
    const seenByGood: unknown[] = [];
    good.on('message', (m) => seenByGood.push(m.packets[1]));
    const raw = track(await RawPeer.connect(n.outAddr[1]));
    await raw.next();
    const err = nextError(n, 'BAD_MESSAGE');
    raw.sendPayload(MainFlags.broadcast, [SubFlags.broadcast, 'forged']);
    await err;
    await raw.closed;
    const marker = nextMessage(good);
    n.send(['after']);
    expect((await marker).packets[1]).toBe('after');
    expect(seenByGood).toEqual(['after']);
  });
});
