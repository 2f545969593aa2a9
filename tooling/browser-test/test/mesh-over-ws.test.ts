/**
 * A mesh node on WebSocket against hand-driven `ws` clients (what js2p 0.7's ws nodes send):
 * frames split over messages or packed together reach the node; text messages and garbage
 * frames drop only the offender, with a typed error event, while another peer keeps working.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import '@p2p/ws';
import { FrameReader, MainFlags, Protocol, SubFlags, decodeFrameBody, encodeFrame, utf8Encode, type P2PError } from '@p2p/base';
import { MeshSocket } from '@p2p/mesh';
import { RAW_ID, closeAfterEach, eventually, nextEvent } from '@p2p/testnet';

const track = closeAfterEach(afterEach);
const protocol = new Protocol('mesh', 'ws');

/** A `ws` client playing a js2p node: collects decoded frames, sends raw messages. */
async function js2pPeer(port: number) {
  const ws = new WebSocket(`ws://127.0.0.1:${port}`);
  track({ close: async () => ws.terminate() });
  const reader = new FrameReader();
  const frames: (readonly unknown[])[] = [];
  ws.on('message', (data: Buffer) => {
    for (const body of reader.push(data)) frames.push(decodeFrameBody(body).payload);
  });
  const closed = new Promise<void>((resolve) => ws.once('close', () => resolve()));
  await new Promise((resolve, reject) => (ws.once('open', resolve), ws.once('error', reject)));
  return { ws, frames, closed };
}

const handshake = (id: string) =>
  encodeFrame({ type: MainFlags.whisper, sender: id, time: Math.floor(Date.now() / 1000), payload: [SubFlags.handshake, utf8Encode(id), protocol.idBytes(), ['127.0.0.1', 1], []] });

describe('a mesh node on WebSocket, against js2p-style peers', () => {
  it('accepts a handshake split over three messages and a broadcast packed with another frame', async () => {
    const node = track(await MeshSocket.listen({ protocol }));
    const peer = await js2pPeer(node.address!.port);
    await eventually(() => expect(peer.frames.some((p) => p[0] === SubFlags.handshake)).toBe(true));
    const hs = handshake(RAW_ID);
    peer.ws.send(hs.subarray(0, 2));
    peer.ws.send(hs.subarray(2, 40));
    const b1 = encodeFrame({ type: MainFlags.broadcast, sender: RAW_ID, time: Math.floor(Date.now() / 1000), payload: [SubFlags.broadcast, 'one'] });
    const b2 = encodeFrame({ type: MainFlags.broadcast, sender: RAW_ID, time: Math.floor(Date.now() / 1000), payload: [SubFlags.broadcast, 'two'] });
    const got: string[] = [];
    node.on('message', (m) => got.push(String(m.packets[1])));
    peer.ws.send(Buffer.concat([hs.subarray(40), b1, b2]));
    await eventually(() => expect(got).toEqual(['one', 'two']));
    expect(node.peers.has(RAW_ID)).toBe(true);
    // The node answered with peers, each of its frames one message.
    await eventually(() => expect(peer.frames.some((p) => p[0] === SubFlags.peers)).toBe(true));
  });

  it('drops a peer sending text or a garbage frame with a typed error; another peer keeps working', async () => {
    const node = track(await MeshSocket.listen({ protocol }));
    const good = track(await MeshSocket.listen({ protocol }));
    await good.connect('127.0.0.1', node.address!.port);
    const errors: P2PError[] = [];
    node.on('error', (e) => errors.push(e));

    const texter = await js2pPeer(node.address!.port);
    texter.ws.send('{"not": "binary"}');
    await texter.closed;
    await eventually(() => expect(errors.map((e) => [e.code, e.details.reason])).toContainEqual(['WEBSOCKET_ERROR', 'TEXT_MESSAGE']));

    const garbage = await js2pPeer(node.address!.port);
    // A frame whose checksum does not match its body.
    const bad = encodeFrame({ type: MainFlags.broadcast, sender: RAW_ID, time: 1, payload: [SubFlags.broadcast, 'x'] });
    bad[10] = bad[10]! ^ 0xff;
    garbage.ws.send(bad);
    await garbage.closed;
    await eventually(() => expect(errors.length).toBe(2));
    expect(errors[1]!.code).not.toBe('WEBSOCKET_ERROR');

    const heard = nextEvent(good, 'message', { timeout: 5_000 });
    node.send(['still here']);
    const [m] = (await heard) as [{ packets: unknown[] }];
    expect(m.packets[1]).toBe('still here');
    expect(node.peers.size).toBe(1);
  });
});
