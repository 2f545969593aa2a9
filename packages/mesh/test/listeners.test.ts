/**
 * One node, several listeners (listeners.ts): each peer sees the protocol id and address of its
 * own transport, broadcasts and replies cross between transports through the ordinary relay,
 * and peers lists offer each peer only what it can dial. The second transport here is TCP
 * registered under another encryption name, so the encryption (hence the protocol id) differs
 * as it does between TCP and WebSocket.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MainFlags, Protocol, SubFlags, fieldText, registerTransport, tcpTransport, unregisterTransport } from '@p2p/base';
import { MeshSocket, offerable } from '@p2p/mesh';
import { RawPeer, eventually } from '@p2p/testnet';
import { nextError, nextMessage, node, track } from './helpers';

const OTHER = 'tcp-other';
beforeAll(() => registerTransport(OTHER, () => ({ ...tcpTransport(), encryption: OTHER })));
afterAll(() => void unregisterTransport(OTHER));

const plain = new Protocol('mesh', 'Plaintext');
const other = new Protocol('mesh', OTHER);

/** The hub: listens on Plaintext and on OTHER. */
async function hub(): Promise<MeshSocket> {
  return node({ protocol: plain, listen: [{}, { encryption: OTHER }], maxOutgoing: 0 });
}

const portOf = (n: MeshSocket, encryption: string): number => n.addresses.find((a) => a.encryption === encryption)!.port;

/** A raw TCP peer through `port` that answers with `protocol`; returns it and the hub's handshake. */
async function rawThrough(port: number, protocol: Protocol, id: string, addr: [string, number]) {
  const peer = track(await RawPeer.connect(port, { id }));
  const hello = await peer.nextWhere((f) => f.wire.payload[0] === SubFlags.handshake);
  peer.sendHandshake(protocol.idBytes(), { addr });
  const peers = await peer.nextWhere((f) => f.wire.payload[0] === SubFlags.peers);
  const listed = (peers.wire.payload[1] as unknown[][]).map((e) => fieldText(e[1]));
  return { peer, hello: hello.wire.payload, listed };
}

describe('a node listening on two transports', () => {
  it('reports both listeners and presents each peer the protocol id and address of its transport', async () => {
    const h = await hub();
    expect(h.addresses.map((a) => a.encryption)).toEqual(['Plaintext', OTHER]);
    expect(h.address?.port).toBe(portOf(h, 'Plaintext'));
    const viaPlain = await rawThrough(portOf(h, 'Plaintext'), plain, 'A'.repeat(60), ['127.0.0.1', 1]);
    const viaOther = await rawThrough(portOf(h, OTHER), other, 'B'.repeat(60), ['127.0.0.1', 2]);
    expect(fieldText(viaPlain.hello[2])).toBe(plain.id);
    expect(viaPlain.hello[3]).toEqual(['127.0.0.1', portOf(h, 'Plaintext')]);
    expect(fieldText(viaOther.hello[2])).toBe(other.id);
    expect(viaOther.hello[3]).toEqual(['127.0.0.1', portOf(h, OTHER)]);
    expect(h.peers.size).toBe(2);
  });

  it("refuses a peer that presents another transport's protocol id (PROTOCOL_MISMATCH)", async () => {
    const h = await hub();
    const wrong = track(await RawPeer.connect(portOf(h, OTHER)));
    await wrong.nextWhere((f) => f.wire.payload[0] === SubFlags.handshake);
    const mismatch = nextError(h, 'PROTOCOL_MISMATCH');
    wrong.sendHandshake(plain.idBytes());
    expect((await mismatch).details).toMatchObject({ theirs: plain.id, ours: other.id });
    await wrong.closed;
  });

  it('relays broadcasts between transports; replies come back from neighbours, never through an undialable route', async () => {
    const h = await hub();
    const a = await node({ protocol: plain, maxOutgoing: 0 });
    const b = await node({ protocol: other, maxOutgoing: 0, limits: { replyRouteTimeout: 300 } });
    await a.connect('127.0.0.1', portOf(h, 'Plaintext'));
    await b.connect('127.0.0.1', portOf(h, OTHER));
    const atB = nextMessage(b);
    const atH = nextMessage(h);
    a.send(['across transports']);
    const m = await atB;
    expect(m.packets).toEqual([SubFlags.broadcast, 'across transports']);
    const atA = nextMessage(a);
    await (await atH).reply('from the hub');
    expect((await atA).packets).toEqual([SubFlags.whisper, 'from the hub']);
    // b cannot dial a (another transport): the hub does not answer b's route request with a's address.
    await expect(m.reply('back across')).rejects.toMatchObject({ code: 'REPLY_ROUTE_TIMEOUT' });
    expect(b.status).toBe('Nominal');
  });

  it('offers each peer only peers of its own transport, and never a dial-only node', async () => {
    const h = await hub();
    const a = await node({ protocol: plain, maxOutgoing: 0 });
    const b = await node({ protocol: other, maxOutgoing: 0 });
    const dialOnly = track(await MeshSocket.listen({ protocol: plain, listen: [] }));
    expect(dialOnly.addresses).toEqual([]);
    expect(dialOnly.outAddr).toEqual(['0.0.0.0', 0]);
    await a.connect('127.0.0.1', portOf(h, 'Plaintext'));
    await b.connect('127.0.0.1', portOf(h, OTHER));
    await dialOnly.connect('127.0.0.1', portOf(h, 'Plaintext'));
    await eventually(() => expect(h.peers.size).toBe(3));
    const viaPlain = await rawThrough(portOf(h, 'Plaintext'), plain, 'C'.repeat(60), ['127.0.0.1', 3]);
    const viaOther = await rawThrough(portOf(h, OTHER), other, 'D'.repeat(60), ['127.0.0.1', 4]);
    // As py2p, a list may name its recipient; beyond that, only same-transport, dialable peers.
    expect(viaPlain.listed.filter((id) => id !== 'C'.repeat(60))).toEqual([a.id]);
    expect(viaOther.listed.filter((id) => id !== 'D'.repeat(60))).toEqual([b.id]);
  });

  it('dials automatically only addresses heard over its own transport', async () => {
    // `far` listens on OTHER only; the hub hears of it over OTHER, and its own dials are Plaintext.
    const far = await node({ protocol: other, maxOutgoing: 0 });
    const h = await node({ protocol: plain, listen: [{}, { encryption: OTHER }] });
    const peer = track(await RawPeer.connect(portOf(h, OTHER), { id: 'F'.repeat(60) }));
    await peer.nextWhere((f) => f.wire.payload[0] === SubFlags.handshake);
    peer.sendHandshake(other.idBytes(), { addr: ['127.0.0.1', 6] });
    peer.sendPayload(MainFlags.whisper, [SubFlags.peers, [[['127.0.0.1', portOf(far, OTHER)], new TextEncoder().encode(far.id)]]]);
    await new Promise((r) => setTimeout(r, 300));
    expect(far.peers.size + far.pendingConnections.length).toBe(0);
    expect(h.status).toBe('Nominal');
  });

  it('the rule itself', () => {
    const face = (encryption: string) => ({ encryption, protocol: new Protocol('mesh', encryption), outAddr: ['h', 1] as const });
    expect(offerable(face('ws'), face('ws'), ['h', 80])).toBe(true);
    expect(offerable(face('ws'), face('Plaintext'), ['h', 80])).toBe(false);
    expect(offerable(face('Plaintext'), face('Plaintext'), ['0.0.0.0', 0])).toBe(false);
  });

  it('a listener that cannot bind closes the ones already bound and rejects', async () => {
    const h = await hub();
    await expect(MeshSocket.listen({ protocol: plain, listen: [{}, { port: portOf(h, 'Plaintext') }] })).rejects.toMatchObject({ code: 'LISTEN_FAILED' });
    await expect(MeshSocket.listen({ protocol: plain, listen: [{}, { encryption: 'no-such' }] })).rejects.toMatchObject({ code: 'TRANSPORT_NOT_FOUND' });
    await expect(MeshSocket.listen({ listen: [null] as never })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });
});
