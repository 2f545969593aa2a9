import { afterEach, describe, expect, it, vi } from 'vitest';
import * as net from 'node:net';
import {
  createTransport,
  hasTransport,
  registerTransport,
  unregisterTransport,
  registeredEncryptions,
  tcpTransport,
  memoryTransport,
  MemoryHub,
  type Transport,
  type TransportConnection,
  type TransportListener,
} from '../src/index';
import { P2PError } from '../src/errors';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

function collect(conn: TransportConnection): { bytes: () => Uint8Array; closed: Promise<P2PError | undefined> } {
  const chunks: Uint8Array[] = [];
  conn.on('data', (c) => chunks.push(c));
  const closed = new Promise<P2PError | undefined>((resolve) => conn.on('close', resolve));
  return { bytes: () => Uint8Array.from(chunks.flatMap((c) => [...c])), closed };
}

async function pair(transport: Transport): Promise<{ listener: TransportListener; a: TransportConnection; b: TransportConnection }> {
  let accept!: (c: TransportConnection) => void;
  const accepted = new Promise<TransportConnection>((r) => (accept = r));
  const listener = await transport.listen({ host: '127.0.0.1', port: 0, onConnection: accept });
  cleanups.push(() => listener.close());
  const a = await transport.dial({ host: '127.0.0.1', port: listener.address.port, timeout: 2000 });
  const b = await accepted;
  cleanups.push(() => a.destroy(), () => b.destroy());
  return { listener, a, b };
}

describe.each([
  ['tcp', () => tcpTransport()],
  ['memory', () => memoryTransport(new MemoryHub())],
])('%s transport', (_name, make) => {
  it('carries bytes both ways and closes both ends', async () => {
    const { a, b } = await pair(make());
    const fromA = collect(b);
    const fromB = collect(a);
    expect(a.write(new Uint8Array([1, 2, 3]))).toBe(true);
    b.write(new Uint8Array([9]));
    await new Promise((r) => setTimeout(r, 50));
    expect([...fromA.bytes()]).toEqual([1, 2, 3]);
    expect([...fromB.bytes()]).toEqual([9]);
    a.end();
    expect(await fromA.closed).toBeUndefined();
    await fromB.closed;
    expect(a.closed && b.closed).toBe(true);
    expect(a.write(new Uint8Array([1]))).toBe(false);
  });

  it('keeps bytes that arrive before a data listener is attached', async () => {
    const transport = make();
    let accepted: TransportConnection | undefined;
    const listener = await transport.listen({ host: '127.0.0.1', port: 0, onConnection: (c) => (accepted = c) });
    cleanups.push(() => listener.close());
    const a = await transport.dial({ host: '127.0.0.1', port: listener.address.port });
    cleanups.push(() => a.destroy());
    a.write(new Uint8Array([7, 7]));
    await new Promise((r) => setTimeout(r, 50));
    expect(accepted).toBeDefined();
    const got = collect(accepted!);
    await new Promise((r) => setTimeout(r, 10));
    expect([...got.bytes()]).toEqual([7, 7]);
    accepted!.destroy();
  });

  it('rejects a dial to a closed port with CONNECT_FAILED', async () => {
    const transport = make();
    const listener = await transport.listen({ host: '127.0.0.1', port: 0, onConnection: () => {} });
    const port = listener.address.port;
    await listener.close();
    await expect(transport.dial({ host: '127.0.0.1', port, timeout: 2000 })).rejects.toMatchObject({ code: 'CONNECT_FAILED' });
  });

  it('honours an already-aborted signal', async () => {
    const transport = make();
    await expect(transport.dial({ host: '127.0.0.1', port: 1, signal: AbortSignal.abort() })).rejects.toMatchObject({ code: 'ABORTED' });
  });
});

describe('tcp transport', () => {
  it('fails to listen on a taken port with LISTEN_FAILED', async () => {
    const t = tcpTransport();
    const l = await t.listen({ host: '127.0.0.1', port: 0, onConnection: () => {} });
    cleanups.push(() => l.close());
    await expect(t.listen({ host: '127.0.0.1', port: l.address.port, onConnection: () => {} })).rejects.toMatchObject({
      code: 'LISTEN_FAILED',
    });
  });

  it("is closed as soon as the peer's FIN arrives, and lets go of a peer that then stops reading", async () => {
    // The peer half-closes and reads nothing more: what this side still has queued cannot flush.
    let peer!: net.Socket;
    const accepted = new Promise<void>((resolve) => {
      const server = net.createServer({ allowHalfOpen: true, pauseOnConnect: true }, (s) => {
        peer = s;
        cleanups.push(() => void s.destroy());
        resolve();
      });
      server.listen(0, '127.0.0.1', () => {
        cleanups.push(() => new Promise<void>((r) => server.close(() => r())));
        void tcpTransport()
          .dial({ host: '127.0.0.1', port: (server.address() as net.AddressInfo).port })
          .then((c) => {
            conn = c;
            cleanups.push(() => c.destroy());
          });
      });
    });
    let conn: TransportConnection | undefined;
    await accepted;
    await vi.waitFor(() => expect(conn).toBeDefined(), { timeout: 2000 });
    const a = conn!;
    const closed = new Promise<P2PError | undefined>((r) => a.on('close', r));
    const chunk = new Uint8Array(1 << 20);
    let written = 0;
    for (let more = true; more && written < 64 * chunk.length; written += chunk.length) more = a.write(chunk);
    expect(a.writableLength).toBeGreaterThan(0);
    const peerGone = new Promise<void>((r) => peer.once('close', () => r()));
    peer.end();
    expect(await closed).toBeUndefined();
    expect(a.closed).toBe(true);
    expect(a.write(chunk)).toBe(false);
    // end()'s grace period, not the peer, decides when the socket goes: read after it, the
    // peer finds the stream cut short.
    let received = 0;
    peer.on('error', () => {});
    peer.on('data', (c: Buffer) => (received += c.length));
    await new Promise((r) => setTimeout(r, 2_500));
    peer.resume();
    await peerGone;
    expect(received).toBeLessThan(written);
  }, 10_000);

  it('reports a reset as CONNECTION_LOST', async () => {
    const server = net.createServer((s) => void setTimeout(() => s.resetAndDestroy(), 50));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    cleanups.push(() => new Promise<void>((r) => server.close(() => r())));
    const a = await tcpTransport().dial({ host: '127.0.0.1', port: (server.address() as net.AddressInfo).port });
    const err = await new Promise<P2PError | undefined>((r) => a.on('close', r));
    expect(err?.code).toBe('CONNECTION_LOST');
  });
});

describe('transport registry', () => {
  it('has Plaintext built in', () => {
    expect(hasTransport('Plaintext')).toBe(true);
    expect(createTransport('Plaintext').encryption).toBe('Plaintext');
    expect(registeredEncryptions()).toContain('Plaintext');
  });

  it('names @p2p/ssl when SSL is missing', () => {
    expect(hasTransport('SSL')).toBe(false);
    try {
      createTransport('SSL');
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(P2PError);
      expect((err as P2PError).code).toBe('TRANSPORT_NOT_FOUND');
      expect((err as P2PError).message).toContain('@p2p/ssl');
    }
  });

  it('registers and unregisters a transport, passing options through', () => {
    const hub = new MemoryHub();
    let seen: unknown;
    registerTransport('Test', (options) => {
      seen = options;
      return memoryTransport(hub, 'Test');
    });
    try {
      expect(createTransport('Test', { a: 1 }).encryption).toBe('Test');
      expect(seen).toEqual({ a: 1 });
    } finally {
      expect(unregisterTransport('Test')).toBe(true);
    }
    expect(() => createTransport('Test')).toThrow(expect.objectContaining({ code: 'TRANSPORT_NOT_FOUND' }));
  });
});
