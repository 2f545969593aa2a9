/**
 * What only the SSL transport has: plaintext and stalled clients at a TLS listener, and pinned
 * certificates between mesh nodes. Each test runs a small SSL network and checks that it keeps
 * working after the failure.
 */
import * as net from 'node:net';
import { describe, expect, it } from 'vitest';
import { MainFlags, SubFlags, encodeFrame, type Message } from '@p2p/base';
import { MeshSocket, type MeshSocketOptions } from '@p2p/mesh';
import { generateCertificate, type GeneratedCertificate, type TlsTransportOptions } from '@p2p/ssl';
import { nextEvent, startTestnet, waitFor } from '@p2p/testnet';
import { nextError, protocol, rejectionOf, track } from './transports';

const sslNode = (transportOptions: TlsTransportOptions = {}, options: MeshSocketOptions = {}): Promise<MeshSocket> =>
  MeshSocket.listen({ protocol: protocol('mesh', 'SSL'), maxOutgoing: 0, transportOptions: { ...transportOptions }, ...options }).then(track);

/** A TLS-less TCP client, destroyed after the test. */
function rawClient(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port }, () => resolve(socket));
    socket.on('error', () => {});
    socket.once('error', reject);
    track({ close: () => void socket.destroy() });
  });
}

/** `from` broadcasts; resolves when `to` has it. */
async function carries(from: MeshSocket, to: MeshSocket, text: string): Promise<void> {
  const got = nextEvent<[Message]>(to, 'message', { filter: (m) => m.packets[1] === text });
  from.send([text]);
  const [m] = await got;
  expect(m.sender).toBe(from.id);
}

describe('SSL listener faced with non-TLS clients', () => {
  it('a plaintext client sending a mesh handshake is dropped with TLS_ERROR; the node keeps serving', async () => {
    const nodes = (await startTestnet({ count: 3, topology: 'line', start: () => sslNode() })).nodes.map(track);
    const [a, b, c] = nodes as [MeshSocket, MeshSocket, MeshSocket];
    await waitFor(() => b.peers.size === 2);

    const reported = nextError(b, (e) => e.code === 'TLS_ERROR');
    const client = await rawClient(b.outAddr[1]);
    const closed = new Promise((resolve) => client.once('close', resolve));
    // What a Plaintext py2p node sends first: its handshake, in the clear.
    client.write(encodeFrame({ type: MainFlags.whisper, sender: 'plaintext-intruder', time: Math.floor(Date.now() / 1000), payload: [SubFlags.handshake, 'x'] }));
    const error = await reported;
    expect(error).toMatchObject({ code: 'TLS_ERROR', name: 'TlsError', details: { reason: 'NOT_TLS', side: 'incoming' } });
    await closed;

    expect(b.peers.size).toBe(2);
    await carries(a, c, 'through b after the intruder');
    const late = await sslNode();
    await late.connect(...b.outAddr, { timeout: 3000 });
    await carries(late, a, 'from a node that joined afterwards');
  });

  it('a client that connects and stalls is dropped at the handshake deadline, without blocking others', async () => {
    const b = await sslNode({ handshakeTimeout: 300 });
    const a = await sslNode();
    const stalled = await rawClient(b.outAddr[1]);
    const closed = new Promise((resolve) => stalled.once('close', resolve));
    const reported = nextError(b, (e) => e.code === 'TLS_ERROR');
    // While the stalled client holds its connection, real peers connect and talk.
    await a.connect(...b.outAddr, { timeout: 3000 });
    const c = await sslNode();
    await c.connect(...b.outAddr, { timeout: 3000 });
    await carries(a, c, 'while a client stalls');
    expect(await reported).toMatchObject({ details: { reason: 'HANDSHAKE_TIMEOUT', side: 'incoming' } });
    await closed;
    expect(b.peers.size).toBe(2);
    await carries(c, a, 'after the stalled client was dropped');
  });
});

describe('pinned certificates between mesh nodes', () => {
  // Fixed certificates, so every node's fingerprint is known before it starts.
  const certs = (n: number) => Promise.all(Array.from({ length: n }, () => generateCertificate()));
  const own = (c: GeneratedCertificate) => ({ key: c.key, cert: c.cert });

  it('a dialer whose pins do not list the listener is refused, typed; both nodes go on', async () => {
    const [ca, cb, cc, stranger] = (await certs(4)) as [GeneratedCertificate, GeneratedCertificate, GeneratedCertificate, GeneratedCertificate];
    const group = [ca, cb, cc].map((c) => c.fingerprint256);
    const [a, b, c] = await Promise.all([ca, cb, cc].map((cert) => sslNode({ ...own(cert), pinnedFingerprints: group })));
    await b!.connect(...a!.outAddr, { timeout: 3000 });
    await c!.connect(...b!.outAddr, { timeout: 3000 });
    for (const conn of b!.peers.values()) expect(conn.encrypted).toBe(true);

    // d trusts b and some other certificate, not a.
    const d = await sslNode({ ...own(stranger), pinnedFingerprints: [cb.fingerprint256, (await generateCertificate()).fingerprint256] });
    const error = await rejectionOf(d.connect(...a!.outAddr, { timeout: 3000 }));
    expect(error).toMatchObject({
      code: 'TLS_ERROR',
      details: { reason: 'FINGERPRINT_MISMATCH', actual: ca.fingerprint256, side: 'outgoing' },
    });
    expect(d.peers.size).toBe(0);
    expect(a!.peers.has(d.id)).toBe(false);

    // a keeps serving its group, and d joins through the node it does trust.
    await carries(a!, c!, 'a still serves');
    await d.connect(...b!.outAddr, { timeout: 3000 });
    await carries(d, a!, 'd joined through b');
  });

  it('with pinClients, a listener refuses an unlisted client and reports it; the group goes on', async () => {
    const [ca, cb, cc, intruder] = (await certs(4)) as [GeneratedCertificate, GeneratedCertificate, GeneratedCertificate, GeneratedCertificate];
    const group = [ca, cb, cc].map((c) => c.fingerprint256);
    const [a, b, c] = await Promise.all([ca, cb, cc].map((cert) => sslNode({ ...own(cert), pinnedFingerprints: group, pinClients: true })));
    await b!.connect(...a!.outAddr, { timeout: 3000 });
    await c!.connect(...a!.outAddr, { timeout: 3000 });

    // The intruder trusts a's certificate, but a does not trust the intruder's.
    const x = await sslNode({ ...own(intruder), pinnedFingerprints: [ca.fingerprint256] });
    const reported = nextError(a!, (e) => e.code === 'TLS_ERROR');
    // TLS 1.3: the client may finish its side before the server checks it, so the dial either
    // fails the handshake or loses the link before the mesh handshake.
    const error = await rejectionOf(x.connect(...a!.outAddr, { timeout: 3000 }));
    expect(['TLS_ERROR', 'CONNECT_FAILED']).toContain(error.code);
    expect(await reported).toMatchObject({
      details: { reason: 'FINGERPRINT_MISMATCH', actual: intruder.fingerprint256, side: 'incoming' },
    });
    expect(x.peers.size).toBe(0);
    expect(a!.peers.has(x.id)).toBe(false);
    await carries(b!, c!, 'the group still talks through a');
  });
});
