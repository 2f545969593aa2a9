/**
 * Mesh networks of 3+ nodes, written once and run over each transport (Plaintext TCP, SSL).
 * maxOutgoing 0 keeps automatic dials out, so the test alone decides the topology.
 */
import { describe, expect, it } from 'vitest';
import { MainFlags, SubFlags, type Message } from '@p2p/base';
import { MeshSocket, type MeshSocketOptions } from '@p2p/mesh';
import { eventually, nextEvent, startTestnet, waitFor } from '@p2p/testnet';
import { TRANSPORTS, other, protocol, rejectionOf, nextError, track, type Encryption } from './transports';

const meshNode = (encryption: Encryption, options: MeshSocketOptions = {}): Promise<MeshSocket> =>
  MeshSocket.listen({ protocol: protocol('mesh', encryption), maxOutgoing: 0, ...options }).then(track);

/** Four nodes in a line 0-1-2-3, every link up on both ends. */
async function line(encryption: Encryption, count = 4): Promise<MeshSocket[]> {
  const net = track(await startTestnet({ count, topology: 'line', start: () => meshNode(encryption) }));
  await eventually(() => expect(net.nodes.map((n) => n.peers.size)).toEqual([1, ...Array<number>(count - 2).fill(2), 1]));
  return net.nodes;
}

/** Records the `message` events of every node, filtered by the first data packet. */
function inbox(nodes: MeshSocket[]) {
  const got = nodes.map(() => [] as Message[]);
  nodes.forEach((n, i) => n.on('message', (m) => got[i]!.push(m)));
  const tagged = (i: number, tag: string) => got[i]!.filter((m) => m.packets[1] === tag);
  return { got, tagged };
}

/** Every link speaks the transport under test, and nothing else. */
function expectLinks(nodes: MeshSocket[], encryption: Encryption): void {
  for (const n of nodes) {
    expect(n.protocol.encryption).toBe(encryption);
    for (const conn of n.peers.values()) expect(conn.encrypted).toBe(encryption === 'SSL');
  }
}

describe.each(TRANSPORTS)('mesh over %s', (encryption) => {
  it('a line of 4: a broadcast reaches every other node exactly once, never its sender', async () => {
    const nodes = await line(encryption);
    expectLinks(nodes, encryption);
    const { tagged } = inbox(nodes);
    nodes[0]!.send(['from the end', new Uint8Array([1, 2])]);
    nodes[2]!.send(['from the middle']);
    await waitFor(() => [1, 2, 3].every((i) => tagged(i, 'from the end').length > 0) && [0, 1, 3].every((i) => tagged(i, 'from the middle').length > 0));
    // A marker sent after both, from each origin: once it is everywhere, any duplicate would be too.
    nodes[0]!.send(['marker']);
    nodes[2]!.send(['marker']);
    await waitFor(() => [1, 3].every((i) => tagged(i, 'marker').length === 2) && tagged(0, 'marker').length === 1 && tagged(2, 'marker').length === 1);

    for (const i of [1, 2, 3]) {
      const [m, ...dups] = tagged(i, 'from the end');
      expect(dups).toHaveLength(0);
      expect(m!.packets).toEqual([SubFlags.broadcast, 'from the end', new Uint8Array([1, 2])]);
      expect(m!.sender).toBe(nodes[0]!.id);
    }
    for (const i of [0, 1, 3]) expect(tagged(i, 'from the middle')).toHaveLength(1);
    expect(tagged(0, 'from the end')).toHaveLength(0);
    expect(tagged(2, 'from the middle')).toHaveLength(0);
    for (const n of nodes) expect(n.status).toBe('Nominal');
  });

  it('a reply reaches a non-neighbour through a route, and the new link speaks the same transport', async () => {
    const [a, b, c, d] = (await line(encryption)) as [MeshSocket, MeshSocket, MeshSocket, MeshSocket];
    expect(a.peers.has(d.id)).toBe(false);
    const question = nextEvent<[Message]>(d, 'message', { filter: (m) => m.packets[1] === 'question?' });
    a.send(['question?']);
    const [m] = await question;
    const answer = nextEvent<[Message]>(a, 'message', { filter: (m) => m.packets[1] === 'answer' });
    await m.reply('answer', 42);
    const [reply] = await answer;
    expect(reply.packets).toEqual([SubFlags.whisper, 'answer', 42]);
    expect(reply.sender).toBe(d.id);
    // d dialed a to deliver it: the line became a ring, over the same transport.
    await waitFor(() => a.peers.has(d.id) && d.peers.has(a.id));
    expectLinks([a, b, c, d], encryption);

    // Over the ring every node has two paths to the sender: still exactly one delivery each.
    const { tagged } = inbox([a, b, c, d]);
    b.send(['around the ring']);
    b.send(['marker']);
    await waitFor(() => [0, 2, 3].every((i) => tagged(i, 'marker').length === 1));
    await new Promise((r) => setTimeout(r, 50));
    expect([0, 1, 2, 3].map((i) => tagged(i, 'around the ring').length)).toEqual([1, 0, 1, 1]);
  });

  it('a whisper reaches the neighbours only', async () => {
    const nodes = await line(encryption);
    const { tagged } = inbox(nodes);
    nodes[1]!.send(['psst'], { flag: MainFlags.whisper, type: SubFlags.whisper });
    nodes[1]!.send(['marker']);
    await waitFor(() => [0, 2, 3].every((i) => tagged(i, 'marker').length === 1));
    expect(tagged(0, 'psst').map((m) => m.packets)).toEqual([[SubFlags.whisper, 'psst']]);
    expect(tagged(2, 'psst').map((m) => m.packets)).toEqual([[SubFlags.whisper, 'psst']]);
    expect(tagged(3, 'psst')).toHaveLength(0);
    expect(tagged(0, 'psst')[0]!.sender).toBe(nodes[1]!.id);
  });

  it(`a ${other(encryption)} node cannot join, and the network keeps working`, async () => {
    const [a, b, c] = (await line(encryption, 3)) as [MeshSocket, MeshSocket, MeshSocket];
    const stranger = await meshNode(other(encryption));
    expect(stranger.protocol.id).not.toBe(a.protocol.id);
    await expectRefused(stranger, b);
    // Nothing of the stranger got in, and the line still carries broadcasts end to end.
    expect(stranger.peers.size).toBe(0);
    expect([a, b, c].map((n) => n.peers.size)).toEqual([1, 2, 1]);
    const atC = nextEvent<[Message]>(c, 'message', { filter: (m) => m.packets[1] === 'still here' });
    a.send(['still here']);
    await atC;
    // The other direction too: a network node dialing the stranger is refused, typed.
    await expectRefused(c, stranger);
    expect([a, b, c].map((n) => n.peers.size)).toEqual([1, 2, 1]);
    // The refusals are recorded where they happened, nowhere else.
    expect(a.status).toBe('Nominal');
  });
});

/**
 * `dialer` and `listener` speak different transports. A TLS dialer sees a peer that is not TLS;
 * a plaintext dialer only sees the link close before any handshake (it cannot tell why). The
 * listener reports the intruder: TLS_ERROR (not TLS) on SSL, PROTOCOL_MISMATCH on Plaintext (a
 * TLS record header where a frame length should be: "the peer speaks TLS").
 */
async function expectRefused(dialer: MeshSocket, listener: MeshSocket): Promise<void> {
  const reported = nextError(listener, () => true);
  const error = await rejectionOf(dialer.connect(...listener.outAddr, { timeout: 3000 }));
  if (dialer.protocol.encryption === 'SSL') {
    expect(error).toMatchObject({ code: 'TLS_ERROR', details: { reason: 'NOT_TLS', side: 'outgoing' } });
  } else {
    expect(error.code).toBe('CONNECT_FAILED');
  }
  const atListener = await reported;
  if (listener.protocol.encryption === 'SSL') {
    expect(atListener).toMatchObject({ code: 'TLS_ERROR', details: { reason: 'NOT_TLS', side: 'incoming' } });
  } else {
    expect(atListener).toMatchObject({ code: 'PROTOCOL_MISMATCH', details: { reason: 'TLS' } });
  }
  expect(dialer.peers.has(listener.id) || listener.peers.has(dialer.id)).toBe(false);
}
