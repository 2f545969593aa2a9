import * as net from 'node:net';
import { describe, expect, it } from 'vitest';
import { MainFlags, SubFlags, isP2PError, type Message } from '@p2p/base';
import { MeshSocket, type PeerInfo } from '@p2p/mesh';
import { eventually, nextEvent, startTestnet, waitFor } from '@p2p/testnet';
import { node, nextError, nextMessage, track } from './helpers';

/** Counts user messages per node, keyed by the first user packet. */
function counter(socket: MeshSocket): Map<unknown, number> {
  const counts = new Map<unknown, number>();
  socket.on('message', (m) => counts.set(m.packets[1], (counts.get(m.packets[1]) ?? 0) + 1));
  return counts;
}

async function testnet(count: number, topology: 'line' | 'full' | 'star' | 'ring', maxOutgoing?: number) {
  const net = await startTestnet({
    count,
    topology,
    start: () => MeshSocket.listen(maxOutgoing === undefined ? {} : { maxOutgoing }),
  });
  track(net);
  return net;
}

describe('two nodes', () => {
  it('handshake both ways, events, broadcast and whisper', async () => {
    const a = await node();
    const b = await node();
    const events: string[] = [];
    a.on('connect', () => events.push('a:connect'));
    a.on('peer:connect', (p) => events.push(`a:peer:${p.id === b.id}`));
    b.on('connect', () => events.push('b:connect'));
    const info = await b.connect(...a.outAddr);
    expect(info.id).toBe(a.id);
    expect(info.addr).toEqual(a.outAddr);
    expect(info.outgoing).toBe(true);
    expect(b.peers.get(a.id)).toBe(info.connection);
    await waitFor(() => a.peers.has(b.id));
    expect(events).toContain('b:connect');
    expect(events).toContain('a:connect');
    expect(events).toContain('a:peer:true');
    expect(b.outgoingIds()).toEqual([a.id]);
    expect(a.incomingIds()).toEqual([b.id]);
    expect(a.pendingConnections).toHaveLength(0);
    expect(a.peers.get(b.id)!.peerAddr).toEqual(b.outAddr);

    const got = nextMessage(a);
    b.send(['hello', new Uint8Array([1, 2]), 7]);
    const m = await got;
    expect(m.packets).toEqual([SubFlags.broadcast, 'hello', new Uint8Array([1, 2]), 7]);
    expect(m.sender).toBe(b.id);
    expect(m.type).toBe(MainFlags.broadcast);
    expect(a.recv()).toBe(m);
    expect(a.recv()).toBeUndefined();

    const whisper = nextMessage(b);
    a.send([['nested', 1]], { flag: MainFlags.whisper, type: SubFlags.whisper });
    expect((await whisper).packets).toEqual([SubFlags.whisper, ['nested', 1]]);
    expect((await whisper).type).toBe(MainFlags.whisper);

    // Already connected: resolves with the existing peer, no second link.
    const again = await b.connect(...a.outAddr);
    expect(again.connection).toBe(info.connection);
    expect(await b.connect('127.0.0.1', 1, { id: a.id })).toMatchObject({ id: a.id });
    expect(a.status).toBe('Nominal');
  });

  it('recv(n) returns up to n oldest messages, recv(1) a single one', async () => {
    const a = await node();
    const b = await node();
    await b.connect(...a.outAddr);
    let arrived = 0;
    a.on('message', () => arrived++);
    for (let i = 0; i < 5; i++) b.send([i]);
    await waitFor(() => arrived === 5);
    const first = a.recv(1);
    expect(first?.packets[1]).toBe(0);
    const two = a.recv(2);
    expect(two.map((m) => m.packets[1])).toEqual([1, 2]);
    expect(a.recv(10).map((m) => m.packets[1])).toEqual([3, 4]);
    expect(a.recv(3)).toEqual([]);
  });

  it('messages() iterates, ends on break, abort and close', async () => {
    const a = await node();
    const b = await node();
    await b.connect(...a.outAddr);
    await waitFor(() => a.peers.size === 1);
    for (let i = 0; i < 3; i++) b.send([i]);
    const seen: unknown[] = [];
    for await (const m of a.messages()) {
      seen.push(m.packets[1]);
      if (seen.length === 3) break;
    }
    expect(seen).toEqual([0, 1, 2]);

    const controller = new AbortController();
    const iter = a.messages({ signal: controller.signal });
    const pending = iter.next();
    controller.abort();
    expect(await pending).toEqual({ value: undefined, done: true });

    const iter2 = a.messages();
    const pending2 = iter2.next();
    b.send(['direct']);
    expect((await pending2).value?.packets[1]).toBe('direct');
    // Delivered to the waiting consumer, not also queued.
    expect(a.recv()).toBeUndefined();
    const pending3 = iter2.next();
    await a.close();
    expect(await pending3).toEqual({ value: undefined, done: true });
  });

  it('disconnect() closes the link and both sides report it', async () => {
    const a = await node();
    const b = await node();
    await b.connect(...a.outAddr);
    await waitFor(() => a.peers.size === 1);
    const onA = nextEvent<[PeerInfo, unknown]>(a, 'peer:disconnect');
    const onB = nextEvent<[PeerInfo, unknown]>(b, 'peer:disconnect');
    b.disconnect(a.id);
    expect((await onA)[0].id).toBe(b.id);
    expect((await onB)[0].id).toBe(a.id);
    expect(a.peers.size).toBe(0);
    expect(b.peers.size).toBe(0);
  });
});

describe('topologies', () => {
  it('a line of five: a broadcast from one end reaches every node exactly once', async () => {
    const { nodes } = await testnet(5, 'line', 0);
    // maxOutgoing 0 keeps it a true line, so the message needs four relays.
    await eventually(() => expect(nodes.map((n) => n.peers.size)).toEqual([1, 2, 2, 2, 1]));
    const counts = nodes.map(counter);
    nodes[0]!.send(['first']);
    await eventually(() => expect(counts.slice(1).map((c) => c.get('first'))).toEqual([1, 1, 1, 1]));
    // A marker sent after it: once everyone has it, any duplicate of the first would have arrived.
    nodes[0]!.send(['marker']);
    await eventually(() => expect(counts.slice(1).map((c) => c.get('marker'))).toEqual([1, 1, 1, 1]));
    expect(counts.map((c) => c.get('first') ?? 0)).toEqual([0, 1, 1, 1, 1]);
    const last = nodes[4]!;
    const m = last.recv()!;
    expect(m.sender).toBe(nodes[0]!.id);
  });

  it('six fully connected nodes: every broadcast reaches the five others once', async () => {
    const { nodes } = await testnet(6, 'full');
    await eventually(() => expect(nodes.map((n) => n.peers.size)).toEqual([5, 5, 5, 5, 5, 5]));
    const counts = nodes.map(counter);
    nodes.forEach((n, i) => n.send([`from-${i}`]));
    await eventually(() => {
      for (const [i, c] of counts.entries()) {
        for (let j = 0; j < 6; j++) expect(c.get(`from-${j}`) ?? 0).toBe(i === j ? 0 : 1);
      }
    });
    nodes[0]!.send(['marker']);
    await eventually(() => expect(counts.slice(1).every((c) => c.get('marker') === 1)).toBe(true));
    for (const [i, c] of counts.entries()) for (let j = 0; j < 6; j++) expect(c.get(`from-${j}`) ?? 0).toBe(i === j ? 0 : 1);
  });

  it('peers lists fill in connections automatically (star becomes denser)', async () => {
    const { nodes } = await testnet(4, 'star');
    // Node 3 dialed 0 last and learned 1 and 2 from 0's peers list.
    await eventually(() => expect(nodes[3]!.peers.size).toBe(3));
    for (const n of nodes) expect(n.peers.has(n.id)).toBe(false);
  });
});

describe('connection conflict', () => {
  it('simultaneous dials end with exactly one live link on both sides, and messages flow', async () => {
    for (let trial = 0; trial < 5; trial++) {
      const a = await node({ maxOutgoing: 0 });
      const b = await node({ maxOutgoing: 0 });
      const [ia, ib] = await Promise.all([a.connect(...b.outAddr), b.connect(...a.outAddr)]);
      expect(ia.id).toBe(b.id);
      expect(ib.id).toBe(a.id);
      await eventually(() => {
        const ab = a.peers.get(b.id);
        const ba = b.peers.get(a.id);
        expect(ab && ba).toBeTruthy();
        expect(ab!.closed || ba!.closed).toBe(false);
        // The same TCP link seen from both ends.
        expect(ab!.outgoing).toBe(!ba!.outgoing);
        expect(a.pendingConnections).toHaveLength(0);
        expect(b.pendingConnections).toHaveLength(0);
      });
      const ab = a.peers.get(b.id)!;
      const larger = compareIds(a.id, b.id) > 0 ? 'a' : 'b';
      // PROTOCOL.md 4.5: the connection opened by the larger id survives.
      expect(ab.outgoing).toBe(larger === 'a');
      const got = nextMessage(b);
      a.send([`trial-${trial}`]);
      expect((await got).packets[1]).toBe(`trial-${trial}`);
      const back = nextMessage(a);
      b.send([`back-${trial}`]);
      expect((await back).packets[1]).toBe(`back-${trial}`);
      await Promise.all([a.close(), b.close()]);
    }
  });
});

function compareIds(x: string, y: string): number {
  const alphabet = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
  const v = (s: string) => [...s].reduce((acc, ch) => acc * 58n + BigInt(alphabet.indexOf(ch)), 0n);
  const d = v(x) - v(y);
  return d > 0n ? 1 : d < 0n ? -1 : 0;
}

describe('protocol mismatch', () => {
  it('closes the link, rejects connect() and emits PROTOCOL_MISMATCH', async () => {
    const { Protocol } = await import('@p2p/base');
    const a = await node({ protocol: new Protocol('other', 'Plaintext') });
    const b = await node();
    const aError = nextError(a, 'PROTOCOL_MISMATCH');
    const bError = nextError(b, 'PROTOCOL_MISMATCH');
    await expect(b.connect(...a.outAddr)).rejects.toMatchObject({ code: 'PROTOCOL_MISMATCH' });
    await bError;
    await aError;
    expect(a.peers.size + b.peers.size).toBe(0);
    expect(b.status).not.toBe('Nominal');
  });
});

describe('reply()', () => {
  it('whispers straight back to a neighbour', async () => {
    const a = await node();
    const b = await node();
    await b.connect(...a.outAddr);
    await waitFor(() => a.peers.size === 1);
    const got = nextMessage(a);
    b.send(['ping']);
    const m = await got;
    const answer = nextMessage(b);
    await m.reply('pong');
    const r = await answer;
    expect(r.packets).toEqual([SubFlags.whisper, 'pong']);
    expect(r.type).toBe(MainFlags.whisper);
  });

  it('reaches a sender that is not a neighbour (route request, line A-B-C)', async () => {
    const { nodes } = await testnet(3, 'line', 0);
    const [a, b, c] = nodes as [MeshSocket, MeshSocket, MeshSocket];
    expect(a.peers.has(c.id)).toBe(false);
    const atC = nextMessage(c);
    a.send(['question']);
    const q = await atC;
    expect(q.sender).toBe(a.id);
    const atA = nextMessage(a, (m) => m.packets[1] === 'answer');
    await q.reply('answer');
    const r = await atA;
    expect(r.sender).toBe(c.id);
    expect(r.packets).toEqual([SubFlags.whisper, 'answer']);
    // The route made a direct link.
    expect(c.peers.has(a.id)).toBe(true);
    expect(b.status).toBe('Nominal');
  });

  it('rejects REPLY_ROUTE_TIMEOUT when nobody knows the sender', async () => {
    const a = await node({ maxOutgoing: 0 });
    const b = await node({ maxOutgoing: 0 });
    const c = await node({ maxOutgoing: 0, limits: { replyRouteTimeout: 300 } });
    await a.connect(...b.outAddr);
    await c.connect(...b.outAddr);
    const atC = nextMessage(c);
    a.send(['bye']);
    const m = await atC;
    await a.close();
    await waitFor(() => b.peers.size === 1);
    await expect(m.reply('too late')).rejects.toMatchObject({ code: 'REPLY_ROUTE_TIMEOUT' });
  });

  it('rejects ENCODE_ERROR before anything is sent', async () => {
    const a = await node();
    const b = await node();
    await b.connect(...a.outAddr);
    const got = nextMessage(a);
    b.send(['x']);
    const m = await got;
    await expect(m.reply(() => 1)).rejects.toMatchObject({ code: 'ENCODE_ERROR' });
  });
});

describe('send()', () => {
  it('throws ENCODE_ERROR and sends nothing', async () => {
    const a = await node();
    const b = await node();
    await b.connect(...a.outAddr);
    await waitFor(() => a.peers.size === 1);
    const sent = b.peers.get(a.id)!.bytesSent;
    expect(() => b.send(['ok', Symbol('no')])).toThrow(expect.objectContaining({ code: 'ENCODE_ERROR' }));
    expect(b.peers.get(a.id)!.bytesSent).toBe(sent);
    expect(() => b.send('not an array' as never)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });

  it('drops broadcasts older than 60 s (clock skew) and counts them', async () => {
    const { shiftedClock } = await import('./helpers');
    const a = await node();
    const late = await node({ clock: shiftedClock(-120_000) });
    await late.connect(...a.outAddr);
    await waitFor(() => a.peers.size === 1);
    late.send(['stale']);
    late.send(['stale2'], { flag: MainFlags.whisper });
    // Whispers are not subject to the window: once it arrived, the broadcast before it was judged.
    await nextMessage(a, (m) => m.packets[1] === 'stale2');
    expect(a.stats.expiredBroadcasts).toBe(1);
    expect(a.recv()?.packets[1]).toBe('stale2');
  });
});

describe('connect() failures', () => {
  it('CONNECT_FAILED, SELF_CONNECT, TIMEOUT, ABORTED, CLOSED', async () => {
    const a = await node();
    // A port that was just free.
    const probe = net.createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', () => r()));
    const freePort = (probe.address() as net.AddressInfo).port;
    await new Promise<void>((r) => probe.close(() => r()));
    await expect(a.connect('127.0.0.1', freePort)).rejects.toMatchObject({ code: 'CONNECT_FAILED' });
    await expect(a.connect(...a.outAddr)).rejects.toMatchObject({ code: 'SELF_CONNECT' });
    await expect(a.connect('localhost', a.outAddr[1])).rejects.toMatchObject({ code: 'SELF_CONNECT' });

    // A listener that accepts and never speaks.
    const sockets = new Set<net.Socket>();
    const silent = net.createServer((s) => {
      sockets.add(s);
      s.on('error', () => {});
    });
    track({ close: () => new Promise<void>((r) => { for (const s of sockets) s.destroy(); silent.close(() => r()); }) });
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', () => r()));
    const port = (silent.address() as net.AddressInfo).port;
    await expect(a.connect('127.0.0.1', port, { timeout: 200 })).rejects.toMatchObject({ code: 'TIMEOUT' });
    const controller = new AbortController();
    const aborted = a.connect('127.0.0.1', port, { signal: controller.signal });
    setTimeout(() => controller.abort(), 20);
    await expect(aborted).rejects.toMatchObject({ code: 'ABORTED' });
    await waitFor(() => a.pendingConnections.length === 0);

    await a.close();
    await expect(a.connect('127.0.0.1', port)).rejects.toMatchObject({ code: 'CLOSED' });
    expect(() => a.send(['x'])).toThrow(expect.objectContaining({ code: 'CLOSED' }));
  });

  it('a dialed node on another id is detected as self (same id)', async () => {
    const a = await node({ host: '0.0.0.0', outAddr: ['127.0.0.2', 1] });
    // Dialing its real address: only the handshake reveals it is the same node.
    await expect(a.connect('127.0.0.1', a.address!.port)).rejects.toMatchObject({ code: 'SELF_CONNECT' });
  });
});

describe('handlers', () => {
  it('registerHandler: arity check, claiming, errors keep the connection, unregister', async () => {
    const a = await node();
    const b = await node();
    await b.connect(...a.outAddr);
    await waitFor(() => a.peers.size === 1);

    expect(() => a.registerHandler((() => true) as never)).toThrow(expect.objectContaining({ code: 'INVALID_HANDLER' }));
    expect(() => a.registerHandler(((m: Message) => !!m) as never)).toThrow(expect.objectContaining({ code: 'INVALID_HANDLER' }));
    const loose = a.registerHandler((...args: unknown[]) => args.length < 0, { checkArity: false });
    loose();

    const claimed: unknown[] = [];
    const off = a.register_handler((msg, conn) => {
      if (msg.packets[1] === 'boom') throw new Error('handler bug');
      if (msg.packets[1] === 'mine') {
        claimed.push([msg.packets[1], conn.peerId]);
        return true;
      }
      return false;
    });
    const err = nextError(a, 'HANDLER_ERROR');
    b.send(['boom']);
    expect((await err).message).toContain('handler bug');
    b.send(['mine']);
    b.send(['free']);
    const free = await nextMessage(a);
    expect(free.packets[1]).toBe('free');
    expect(claimed).toEqual([['mine', b.id]]);
    expect(a.recv()?.packets[1]).toBe('free');
    expect(a.recv()).toBeUndefined();
    // The connection survived the handler error (F10).
    expect(a.peers.has(b.id)).toBe(true);
    off();
    // Not the same bytes as before: within one second that would be a duplicate (same id and time).
    b.send(['mine', 2]);
    expect((await nextMessage(a)).packets).toEqual([0, 'mine', 2]);
  });

  it('handlers see internal messages but not renegotiation; sub-flags other than 0/2 never reach the queue', async () => {
    const a = await node();
    const b = await node();
    const seen: unknown[] = [];
    a.registerHandler((msg, _conn) => {
      seen.push(msg.packets[0]);
      return false;
    });
    await b.connect(...a.outAddr);
    await waitFor(() => a.peers.size === 1);
    b.send(['custom'], { type: 0x31 });
    b.send(['end']);
    await nextMessage(a);
    expect(seen).toContain(0x31);
    expect(a.recv()?.packets[1]).toBe('end');
    expect(a.recv()).toBeUndefined();
  });
});

describe('limits and liveness', () => {
  it('drops a connection that never handshakes (HANDSHAKE_TIMEOUT)', async () => {
    const a = await node({ limits: { handshakeTimeout: 150 } });
    const err = nextError(a, 'HANDSHAKE_TIMEOUT');
    const raw = new net.Socket();
    track({ close: () => void raw.destroy() });
    raw.on('error', () => {});
    raw.resume();
    const closed = new Promise((r) => raw.once('close', r));
    raw.connect(a.outAddr[1], '127.0.0.1');
    await err;
    await closed;
    expect(a.pendingConnections).toHaveLength(0);
  });

  it('refuses connections beyond maxConnections with LIMIT_EXCEEDED', async () => {
    const a = await node({ limits: { maxConnections: 1 } });
    const b = await node();
    const c = await node();
    await b.connect(...a.outAddr);
    const err = nextError(a, 'LIMIT_EXCEEDED');
    await expect(c.connect(...a.outAddr)).rejects.toSatisfy((e: unknown) => isP2PError(e));
    await err;
    expect(a.stats.refusedConnections).toBe(1);
    expect(a.peers.size).toBe(1);
  });

  it('bounds the receive queue: drops the oldest and counts drops', async () => {
    const a = await node({ limits: { maxQueue: 3 } });
    const b = await node();
    await b.connect(...a.outAddr);
    await waitFor(() => a.peers.size === 1);
    for (let i = 0; i < 6; i++) b.send([i]);
    await waitFor(() => a.stats.droppedMessages === 3);
    expect(a.recv(10).map((m) => m.packets[1])).toEqual([3, 4, 5]);
  });
});

