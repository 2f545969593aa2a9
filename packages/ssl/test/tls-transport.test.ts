import { readFileSync } from 'node:fs';
import * as tls from 'node:tls';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import {
  FrameReader,
  MainFlags,
  SubFlags,
  decodeFrameBody,
  encodeFrame,
  isP2PError,
  tcpTransport,
} from '@p2p/base';
import { TlsErrorReason, certificateFingerprint, generateCertificate, tlsTransport, type TlsConnectionInfo } from '../src/transport';
import { Harness, closed, readBytes, rejection, socketClosed, waitFor } from './helpers';

const fixture = (name: string): string => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');
const info = (c: { info: Readonly<Record<string, unknown>> }): TlsConnectionInfo => c.info as unknown as TlsConnectionInfo;

let h: Harness;
afterEach(async () => {
  await h.close();
});
const harness = (): Harness => (h = new Harness());

afterAll(async () => {
  // Everything the tests opened is gone: no listening or connected socket is left behind.
  const open = (): string[] => process.getActiveResourcesInfo().filter((r) => /TCP|TLS|Pipe/.test(r) && r !== 'PipeWrap');
  await waitFor(() => (open().length === 0 ? true : undefined), 3_000, `sockets to close (${open().join(', ')})`);
});

describe('tlsTransport: two endpoints', () => {
  it('exchanges bytes over TLS 1.3 and reports it in connection.info', async () => {
    harness();
    const server = tlsTransport();
    const client = tlsTransport();
    expect(server.encryption).toBe('SSL');
    const probe = await h.listen(server);
    const outgoing = await h.dial(client, probe.port);
    const incoming = await probe.nextConnection();

    expect(outgoing.encrypted).toBe(true);
    expect(incoming.encrypted).toBe(true);
    expect(info(outgoing).protocol).toBe('TLSv1.3');
    expect(info(incoming).protocol).toBe('TLSv1.3');
    expect(info(outgoing).cipher).toMatch(/^TLS_/);
    const serverCert = await server.certificate();
    expect(info(outgoing).peerFingerprint256).toBe(serverCert.fingerprint256);
    expect(info(incoming).localFingerprint256).toBe(serverCert.fingerprint256);
    expect(info(outgoing).localFingerprint256).toBe((await client.certificate()).fingerprint256);
    // No client certificate is requested unless clients are pinned (py2p sends none).
    expect(info(incoming).peerFingerprint256).toBeUndefined();
    expect(incoming.remote).toEqual({ host: '127.0.0.1', port: outgoing.local.port });

    const ping = new TextEncoder().encode('ping over tls');
    const got = readBytes(incoming, ping.length);
    expect(outgoing.write(ping)).toBe(true);
    expect(new TextDecoder().decode(await got)).toBe('ping over tls');

    const pong = new Uint8Array(200_000).map((_, i) => i & 0xff);
    const back = readBytes(outgoing, pong.length);
    incoming.write(pong);
    expect(Buffer.from(await back).equals(Buffer.from(pong))).toBe(true);

    const bye = closed(incoming);
    outgoing.end();
    expect(await bye).toBeUndefined();
  });

  it('carries @p2p/base frames intact through FrameReader', async () => {
    harness();
    const probe = await h.listen(tlsTransport());
    const outgoing = await h.dial(tlsTransport(), probe.port);
    const incoming = await probe.nextConnection();

    const fields = { type: MainFlags.broadcast, sender: 'EkE9cS4d', time: 1500000000, payload: [SubFlags.broadcast, 'hello', new Uint8Array([1, 2, 3])] };
    const frame = encodeFrame(fields);
    const reader = new FrameReader();
    const bodies: Uint8Array[] = [];
    incoming.on('data', (chunk) => bodies.push(...reader.push(chunk)));
    // Split the frame across writes: TLS records must not change the byte stream.
    outgoing.write(frame.subarray(0, 3));
    outgoing.write(frame.subarray(3, 20));
    outgoing.write(frame.subarray(20));
    outgoing.write(frame);
    await waitFor(() => (bodies.length === 2 ? true : undefined), 5_000, 'two frames');
    for (const body of bodies) {
      const message = decodeFrameBody(body);
      expect(message.type).toBe(MainFlags.broadcast);
      expect(message.sender).toBe('EkE9cS4d');
      expect(message.payload).toEqual([SubFlags.broadcast, 'hello', new Uint8Array([1, 2, 3])]);
    }
  });

  it('accepts a TLS 1.2 client without SNI (py2p on older OpenSSL)', async () => {
    harness();
    const probe = await h.listen(tlsTransport());
    const outgoing = await h.dial(tlsTransport({ maxVersion: 'TLSv1.2' }), probe.port);
    const incoming = await probe.nextConnection();
    expect(info(outgoing).protocol).toBe('TLSv1.2');
    expect(info(incoming).protocol).toBe('TLSv1.2');

    // A bare node:tls client configured like py2p's ssl.wrap_socket: no SNI, no verification.
    const raw = tls.connect({ host: '127.0.0.1', port: probe.port, maxVersion: 'TLSv1.2', rejectUnauthorized: false });
    h.track(raw);
    await new Promise<void>((resolve, reject) => {
      raw.once('secureConnect', resolve);
      raw.once('error', reject);
    });
    expect(raw.getProtocol()).toBe('TLSv1.2');
    const conn = await probe.nextConnection();
    const got = readBytes(conn, 3);
    raw.write('abc');
    expect(new TextDecoder().decode(await got)).toBe('abc');
  });

  it('keeps an established connection open past the handshake timeout', async () => {
    harness();
    const probe = await h.listen(tlsTransport({ handshakeTimeout: 150 }));
    const outgoing = await h.dial(tlsTransport({ handshakeTimeout: 150 }), probe.port);
    const incoming = await probe.nextConnection();
    await new Promise((r) => setTimeout(r, 400));
    expect(incoming.closed).toBe(false);
    expect(outgoing.closed).toBe(false);
    const got = readBytes(incoming, 2);
    outgoing.write(new Uint8Array([7, 8]));
    expect([...(await got)]).toEqual([7, 8]);
  });
});

describe('tlsTransport: incoming failures go to onError', () => {
  it('reports a plaintext client as TLS_ERROR (NOT_TLS) and keeps serving TLS clients', async () => {
    harness();
    const probe = await h.listen(tlsTransport());
    const plain = await tcpTransport().dial({ host: '127.0.0.1', port: probe.port });
    const plainClosed = closed(plain);
    // What a Plaintext mesh node sends first: a frame.
    plain.write(encodeFrame({ type: MainFlags.whisper, sender: 'x', time: 1, payload: [SubFlags.handshake] }));
    const { error, remote } = await probe.nextError();
    expect(error.code).toBe('TLS_ERROR');
    expect(error.name).toBe('TlsError');
    expect(error.details.reason).toBe(TlsErrorReason.notTls);
    expect(remote).toEqual({ host: '127.0.0.1', port: plain.local.port });
    await plainClosed;

    const outgoing = await h.dial(tlsTransport(), probe.port);
    const incoming = await probe.nextConnection();
    const got = readBytes(incoming, 2);
    outgoing.write(new Uint8Array([1, 2]));
    expect([...(await got)]).toEqual([1, 2]);
    expect(probe.errors).toHaveLength(1);
  });

  it('drops a client that connects and stalls after the handshake timeout', async () => {
    harness();
    const probe = await h.listen(tlsTransport({ handshakeTimeout: 300 }));
    const started = Date.now();
    const stalled = await h.rawConnect(probe.port);
    const stalledPort = stalled.localPort;
    const { error, remote } = await probe.nextError(3_000);
    const elapsed = Date.now() - started;
    expect(error.code).toBe('TLS_ERROR');
    expect(error.details.reason).toBe(TlsErrorReason.handshakeTimeout);
    expect(remote?.port).toBe(stalledPort);
    expect(elapsed).toBeGreaterThanOrEqual(250);
    expect(elapsed).toBeLessThan(2_500);
    await socketClosed(stalled);
    expect(probe.errors).toHaveLength(1);
  });

  it('drops a client that trickles a partial ClientHello (absolute deadline)', async () => {
    harness();
    const probe = await h.listen(tlsTransport({ handshakeTimeout: 400 }));
    const slow = await h.rawConnect(probe.port);
    // A TLS record header announcing a handshake record, then one byte every 100 ms: an
    // idle-based timer would never fire.
    slow.write(Buffer.from([0x16, 0x03, 0x01, 0x01, 0x00]));
    const trickle = setInterval(() => slow.write(Buffer.from([0x01])), 100);
    try {
      const { error } = await probe.nextError(3_000);
      expect(error.details.reason).toBe(TlsErrorReason.handshakeTimeout);
      await socketClosed(slow);
    } finally {
      clearInterval(trickle);
    }
  });

  it('reports a client that hangs up mid-handshake', async () => {
    harness();
    const probe = await h.listen(tlsTransport());
    const quitter = await h.rawConnect(probe.port);
    quitter.destroy();
    const { error, remote } = await probe.nextError();
    expect(error.code).toBe('TLS_ERROR');
    expect(error.details.reason).toBe(TlsErrorReason.handshakeFailed);
    expect(remote?.host).toBe('127.0.0.1');
    await new Promise((r) => setTimeout(r, 50));
    expect(probe.errors).toHaveLength(1);
  });

  it('close() does not wait for pending handshakes and reports nothing afterwards', async () => {
    harness();
    const probe = await h.listen(tlsTransport());
    const stalled = await h.rawConnect(probe.port);
    const stalledPort = stalled.localPort;
    await new Promise((r) => setTimeout(r, 50));
    const started = Date.now();
    await probe.listener.close();
    expect(Date.now() - started).toBeLessThan(1_000);
    await socketClosed(stalled);
    await new Promise((r) => setTimeout(r, 50));
    expect(probe.errors).toHaveLength(0);
    await probe.listener.close(); // twice is fine
  });
});

describe('tlsTransport: dialing failures are typed', () => {
  it('rejects with CONNECT_FAILED when nothing listens', async () => {
    harness();
    const port = await h.rawServer(() => {});
    const free = port; // grab a port, then free it
    await h.close();
    harness();
    const err = await rejection(tlsTransport().dial({ host: '127.0.0.1', port: free }));
    expect(err.code).toBe('CONNECT_FAILED');
  });

  it('rejects with TLS_ERROR (NOT_TLS) against a plaintext server that talks first', async () => {
    harness();
    const port = await h.rawServer((s) =>
      s.write(encodeFrame({ type: MainFlags.whisper, sender: 'x', time: 1, payload: [SubFlags.handshake] })),
    );
    const err = await rejection(tlsTransport().dial({ host: '127.0.0.1', port }));
    expect(err.code).toBe('TLS_ERROR');
    expect(err.details.reason).toBe(TlsErrorReason.notTls);
  });

  it('rejects with TLS_ERROR when a plaintext server drops the ClientHello', async () => {
    harness();
    // A Plaintext @p2p node reads the ClientHello as a frame header announcing ~370 MB and drops it.
    const probe = await h.listen(tcpTransport());
    const port = probe.port;
    const dropping = (async () => {
      const c = await probe.nextConnection();
      c.on('data', () => c.destroy());
    })();
    const err = await rejection(tlsTransport().dial({ host: '127.0.0.1', port }));
    await dropping;
    expect(err.code).toBe('TLS_ERROR');
    expect(err.details.reason).toBe(TlsErrorReason.handshakeFailed);
  });

  it('rejects with TLS_ERROR (HANDSHAKE_TIMEOUT) against a silent plaintext server', async () => {
    harness();
    const port = await h.rawServer(() => {});
    const started = Date.now();
    const err = await rejection(tlsTransport({ handshakeTimeout: 300 }).dial({ host: '127.0.0.1', port }));
    expect(err.code).toBe('TLS_ERROR');
    expect(err.details.reason).toBe(TlsErrorReason.handshakeTimeout);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('honours the caller timeout and signal', async () => {
    harness();
    const port = await h.rawServer(() => {});
    const timedOut = await rejection(tlsTransport().dial({ host: '127.0.0.1', port, timeout: 200 }));
    expect(timedOut.code).toBe('TIMEOUT');
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const aborted = await rejection(tlsTransport().dial({ host: '127.0.0.1', port, signal: controller.signal }));
    expect(aborted.code).toBe('ABORTED');
  });
});

describe('tlsTransport: certificates and pinning', () => {
  it('connects when the server fingerprint is pinned, in either notation', async () => {
    harness();
    const server = tlsTransport();
    const { fingerprint256 } = await server.certificate();
    const probe = await h.listen(server);
    const colon = await h.dial(tlsTransport({ pinnedFingerprints: [fingerprint256] }), probe.port);
    expect(info(colon).peerFingerprint256).toBe(fingerprint256);
    const hex = fingerprint256.replace(/:/g, '').toLowerCase();
    const plainHex = await h.dial(tlsTransport({ pinnedFingerprints: ['00'.repeat(32), hex] }), probe.port);
    expect(info(plainHex).peerFingerprint256).toBe(fingerprint256);
  });

  it('rejects a server whose fingerprint is not pinned with TLS_ERROR (FINGERPRINT_MISMATCH)', async () => {
    harness();
    const server = tlsTransport();
    const probe = await h.listen(server);
    const other = (await generateCertificate()).fingerprint256;
    const err = await rejection(tlsTransport({ pinnedFingerprints: [other] }).dial({ host: '127.0.0.1', port: probe.port }));
    expect(err.code).toBe('TLS_ERROR');
    expect(err.details.reason).toBe(TlsErrorReason.fingerprintMismatch);
    expect(err.details.actual).toBe((await server.certificate()).fingerprint256);
  });

  it('pins clients both ways with pinClients', async () => {
    harness();
    const a = tlsTransport();
    const b = tlsTransport();
    const stranger = tlsTransport();
    const group = [(await a.certificate()).fingerprint256, (await b.certificate()).fingerprint256];
    const server = tlsTransport({ pinnedFingerprints: group, pinClients: true });
    const serverFp = (await server.certificate()).fingerprint256;
    const probe = await h.listen(server);

    // A client that presents no certificate at all (py2p style) is dropped.
    const bare = tls.connect({ host: '127.0.0.1', port: probe.port, rejectUnauthorized: false });
    h.track(bare);
    bare.on('error', () => {});
    const first = await probe.nextError();
    expect(first.error.code).toBe('TLS_ERROR');
    expect(first.error.details.reason).toBe(TlsErrorReason.fingerprintMismatch);
    expect(first.error.details.actual).toBeUndefined();
    await socketClosed(bare);

    // a's certificate is pinned: accepted, and the server sees a's fingerprint.
    const fromA = await h.dial(a, probe.port);
    const incoming = await probe.nextConnection();
    expect(info(incoming).peerFingerprint256).toBe(group[0]);
    expect(info(fromA).peerFingerprint256).toBe(serverFp);

    // A stranger (its own certificate, not pinned) is dropped with FINGERPRINT_MISMATCH.
    // With TLS 1.3 the client finishes before the server has checked its certificate, so the
    // dial may resolve and then close, or reject: either way the server reports the mismatch.
    const fromStranger = await h.dial(stranger, probe.port).catch((e: unknown) => e);
    const second = await probe.nextError();
    expect(second.error.code).toBe('TLS_ERROR');
    expect(second.error.details.reason).toBe(TlsErrorReason.fingerprintMismatch);
    expect(second.error.details.actual).toBe((await stranger.certificate()).fingerprint256);
    if (!isP2PError(fromStranger)) await closed(fromStranger as Awaited<ReturnType<Harness['dial']>>);
  });

  it('uses a user-supplied key and certificate (RSA 2048 made by openssl, like py2p)', async () => {
    harness();
    const key = fixture('rsa-key.pem');
    const cert = fixture('rsa-cert.pem');
    const server = tlsTransport({ key, cert });
    const fp = certificateFingerprint(cert);
    expect((await server.certificate()).fingerprint256).toBe(fp);
    const probe = await h.listen(server);
    const outgoing = await h.dial(tlsTransport({ pinnedFingerprints: [fp] }), probe.port);
    expect(info(outgoing).peerFingerprint256).toBe(fp);
    expect(info(outgoing).protocol).toBe('TLSv1.3');
  });

  it('serves a generated RSA certificate (keyType rsa)', async () => {
    harness();
    const server = tlsTransport({ keyType: 'rsa' });
    const probe = await h.listen(server);
    const outgoing = await h.dial(tlsTransport(), probe.port);
    expect(info(outgoing).peerFingerprint256).toBe((await server.certificate()).fingerprint256);
  });

  it('uses one certificate for every listener and dial of a transport', async () => {
    harness();
    const t = tlsTransport();
    const [p1, p2] = await Promise.all([h.listen(t), h.listen(t)]);
    const c1 = await h.dial(tlsTransport(), p1.port);
    const c2 = await h.dial(tlsTransport(), p2.port);
    expect(info(c1).peerFingerprint256).toBe(info(c2).peerFingerprint256);
  });

  it('rejects bad options with INVALID_ARGUMENT', () => {
    const bad = [
      { pinnedFingerprints: ['not-a-fingerprint'] },
      { key: 'k' },
      { cert: 'c' },
      { keyType: 'dsa' },
      { handshakeTimeout: 0 },
      { minVersion: 'TLSv1.3', maxVersion: 'TLSv1.2' },
      { pinClients: true },
    ];
    for (const options of bad) {
      expect(() => tlsTransport(options as never), JSON.stringify(options)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    }
  });
});

describe('tlsTransport: injectable clock', () => {
  it('times out handshakes on the injected clock, without sleeping', async () => {
    harness();
    const timers = new Map<number, () => void>();
    let next = 0;
    const clock = {
      now: () => Date.now(),
      setTimeout: (fn: () => void) => (timers.set(++next, fn), next),
      clearTimeout: (handle: unknown) => void timers.delete(handle as number),
    };
    const probe = await h.listen(tlsTransport({ clock, handshakeTimeout: 60_000 }));
    const stalled = await h.rawConnect(probe.port);
    await waitFor(() => (timers.size === 1 ? true : undefined), 2_000, 'the handshake timer');
    for (const fn of [...timers.values()]) fn();
    const { error } = await probe.nextError(1_000);
    expect(error.details).toMatchObject({ reason: TlsErrorReason.handshakeTimeout, timeout: 60_000, side: 'incoming' });
    await socketClosed(stalled);

    // A completed handshake clears its timer.
    timers.clear();
    await h.dial(tlsTransport(), probe.port);
    await probe.nextConnection();
    expect(timers.size).toBe(0);
  });
});
