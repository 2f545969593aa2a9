/**
 * Authenticated subnets over SSL, the whole path: certificates made from node identities, the
 * TLS peer key (`info.peerPublicKey`) bound by the mesh to the key of the peer's handshake. The
 * men in the middle are real TLS relays on 127.0.0.1 that terminate each side's TLS session with
 * their own certificate and pass every byte on.
 */
import { describe, expect, it } from 'vitest';
import { Identity, Protocol, type Message, type MetricsSnapshot, type TransportConnection } from '@p2p/base';
import { MeshSocket, type MeshSocketOptions } from '@p2p/mesh';
import { tlsTransport, type TlsTransportOptions } from '@p2p/ssl';
import { eventually, nextEvent, startTestnet } from '@p2p/testnet';
import { nextError, rejectionOf, track } from './transports';

const AUTH_SSL = new Protocol('mesh', 'SSL', { auth: true });

const authNode = (options: MeshSocketOptions = {}): Promise<MeshSocket> =>
  MeshSocket.listen({ protocol: AUTH_SSL, maxOutgoing: 0, identity: Identity.generate(), ...options }).then(track);

/** `from` broadcasts; resolves when `to` has it, from `from`. */
async function carries(from: MeshSocket, to: MeshSocket, text: string): Promise<void> {
  const got = nextEvent<[Message]>(to, 'message', { filter: (m) => m.packets[1] === text });
  from.send([text]);
  const [m] = await got;
  expect(m.sender).toBe(from.id);
}

function count(socket: MeshSocket, name: string, labels: Record<string, string> = {}): number {
  const snap: MetricsSnapshot = socket.metrics();
  const metric = snap.metrics.find((m) => m.name === name);
  if (!metric || metric.kind === 'histogram') return 0;
  return metric.series.filter((s) => Object.entries(labels).every(([k, v]) => s.labels[k] === v)).reduce((n, s) => n + s.value, 0);
}

/**
 * A TLS man in the middle in front of `target`: it accepts with its own certificate, dials the
 * target with the same one, and copies bytes unchanged: both ways, or with `oneWay` only from the
 * target (so the dialer checks the target's handshake before the target sees the dialer's).
 * Returns the port to dial.
 */
async function tlsRelay(target: readonly [string, number], options: TlsTransportOptions, oneWay = false): Promise<number> {
  const transport = tlsTransport(options);
  const open = new Set<TransportConnection>();
  const listener = await transport.listen({
    host: '127.0.0.1',
    port: 0,
    onConnection: (incoming) => {
      open.add(incoming);
      const pending: Uint8Array[] = [];
      incoming.on('data', (chunk) => void pending.push(chunk));
      transport.dial({ host: target[0], port: target[1], timeout: 5000 }).then(
        (outgoing) => {
          open.add(outgoing);
          if (!oneWay) {
            for (const chunk of pending.splice(0)) outgoing.write(chunk);
            incoming.on('data', (chunk) => void (outgoing.closed || outgoing.write(chunk)));
          }
          outgoing.on('data', (chunk) => void (incoming.closed || incoming.write(chunk)));
          incoming.on('close', () => outgoing.destroy());
          outgoing.on('close', () => incoming.destroy());
          if (incoming.closed) outgoing.destroy();
        },
        () => incoming.destroy(),
      );
    },
  });
  track({
    close: async () => {
      for (const c of open) c.destroy();
      await listener.close();
    },
  });
  return listener.address.port;
}

describe('authenticated subnet over SSL', () => {
  it('forms a mesh: every node has the certificate of its identity, broadcasts cross it', async () => {
    // Nodes given an identity and nodes that generate their own alternate.
    let i = 0;
    const start = (): Promise<MeshSocket> => (i++ % 2 === 0 ? authNode() : authNode({ identity: undefined }));
    const { nodes } = await startTestnet({ count: 4, topology: 'line', start });
    const [a, , , d] = nodes as [MeshSocket, MeshSocket, MeshSocket, MeshSocket];
    await eventually(() => expect(nodes.map((n) => n.peers.size)).toEqual([1, 2, 2, 1]));
    for (const n of nodes) {
      expect(n.id).toBe(n.identity!.id);
      // What any TLS client sees: the node's certificate carries its identity key.
      const probe = await tlsTransport().dial({ host: '127.0.0.1', port: n.outAddr[1], timeout: 5000 });
      expect(Buffer.from(probe.info['peerPublicKey'] as Uint8Array).equals(Buffer.from(n.identity!.publicKey))).toBe(true);
      probe.destroy();
    }
    await carries(a, d, 'end to end, over TLS, signed');
    await carries(d, a, 'and back');
    for (const n of nodes) expect(count(n, 'p2p_auth_failures_total')).toBe(0);
  });

  it('a man in the middle with its own Ed25519 certificate is refused, by either end (AUTH_FAILED)', async () => {
    const a = await authNode();
    const b = await authNode();
    const c = await authNode();
    await c.connect(...b.outAddr, { timeout: 5000 });
    const mitm = Identity.generate();

    // Relaying both ways: the dialed node has the dialer's handshake first and refuses it, since
    // its TLS session is with the relay's key.
    const byB = nextError(b, (e) => e.code === 'AUTH_FAILED');
    await rejectionOf(a.connect('127.0.0.1', await tlsRelay(b.outAddr, { identity: mitm }), { timeout: 5000 }));
    expect((await byB).message).toMatch(/TLS certificate/);
    expect(count(b, 'p2p_auth_failures_total', { reason: 'transport_key' })).toBe(1);

    // Relaying only what the dialed node says: now the dialer checks first, and refuses.
    const byA = nextError(a, (e) => e.code === 'AUTH_FAILED');
    await rejectionOf(a.connect('127.0.0.1', await tlsRelay(b.outAddr, { identity: mitm }, true), { timeout: 5000 }));
    expect((await byA).message).toMatch(/TLS certificate/);
    expect(count(a, 'p2p_auth_failures_total', { reason: 'transport_key' })).toBe(1);
    expect(a.peers.size).toBe(0);
    expect([...b.peers.keys()]).toEqual([c.id]);

    // The honest network is unaffected, and a direct link between the same two nodes works.
    await a.connect(...b.outAddr, { timeout: 5000 });
    await carries(a, c, 'direct, after the relay was refused');
    await carries(c, a, 'and the other way');
  });

  it('a man in the middle with an ECDSA certificate is refused by TLS itself (PEER_KEY_MISSING)', async () => {
    const a = await authNode();
    const b = await authNode();
    const relay = await tlsRelay(b.outAddr, {});
    const dial = await rejectionOf(a.connect('127.0.0.1', relay, { timeout: 5000 }));
    expect(dial).toMatchObject({ code: 'TLS_ERROR', details: { reason: 'PEER_KEY_MISSING', side: 'outgoing' } });
    expect(a.peers.size).toBe(0);
    await a.connect(...b.outAddr, { timeout: 5000 });
    await carries(b, a, 'direct');
  });

  it('a node whose TLS key is not its handshake key is refused (AUTH_FAILED); honest peers keep working', async () => {
    const a = await authNode();
    const c = await authNode();
    await c.connect(...a.outAddr, { timeout: 5000 });
    // Its handshake proves one identity while its certificate carries another key.
    const split = await authNode({ identity: Identity.generate(), transport: tlsTransport({ identity: Identity.generate() }) });
    const refused = nextError(a, (e) => e.code === 'AUTH_FAILED');
    await rejectionOf(split.connect(...a.outAddr, { timeout: 5000 }));
    expect((await refused).message).toMatch(/TLS certificate/);
    expect(a.peers.has(split.id)).toBe(false);
    expect(count(a, 'p2p_auth_failures_total', { reason: 'transport_key' })).toBe(1);
    await carries(c, a, 'the honest peer still gets through');
  });
});
