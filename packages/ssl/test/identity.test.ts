// Certificates made from node identities (authenticated subnets) and the peer keys a TLS
// connection reports, over real TLS on 127.0.0.1.
import { X509Certificate, createPrivateKey } from 'node:crypto';
import * as tls from 'node:tls';
import { afterEach, describe, expect, it } from 'vitest';
import { Identity, isP2PError } from '@p2p/base';
import { TlsErrorReason, certificatePublicKey, generateCertificate, tlsTransport, type TlsConnectionInfo } from '../src/transport';
import { Harness, closed, readBytes, rejection, socketClosed } from './helpers';

const info = (c: { info: Readonly<Record<string, unknown>> }): TlsConnectionInfo => c.info as unknown as TlsConnectionInfo;
const same = (a: Uint8Array | undefined, b: Uint8Array): boolean => a !== undefined && Buffer.from(a).equals(Buffer.from(b));

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});
/** The test's harness, made on first use and closed after the test. */
const on = (): Harness => (h ??= new Harness());

describe('generateCertificate({ identity })', () => {
  it("makes a self-signed Ed25519 certificate of the identity's key", async () => {
    const identity = Identity.generate();
    const now = Date.UTC(2026, 5, 1);
    const { key, cert, fingerprint256 } = await generateCertificate({ identity, now });
    const x509 = new X509Certificate(cert);
    expect(x509.publicKey.asymmetricKeyType).toBe('ed25519');
    expect(x509.verify(x509.publicKey)).toBe(true); // self-signed, Ed25519 signature
    expect(x509.checkPrivateKey(createPrivateKey(key))).toBe(true);
    expect(same(certificatePublicKey(cert), identity.publicKey)).toBe(true);
    expect(same(certificatePublicKey(x509.raw), identity.publicKey)).toBe(true);
    expect(x509.ca).toBe(false);
    expect(new Date(x509.validFrom).getTime()).toBe(now - 86_400_000);
    expect(new Date(x509.validTo).getTime()).toBe(now + 3650 * 86_400_000);
    expect(fingerprint256).toBe(x509.fingerprint256);
    // The same identity gives the same key each time (a fresh serial, so a new fingerprint).
    const again = await generateCertificate({ identity });
    expect(same(certificatePublicKey(again.cert), identity.publicKey)).toBe(true);
    expect(again.fingerprint256).not.toBe(fingerprint256);
  });

  it('has no Ed25519 key to report for ECDSA and RSA certificates', async () => {
    expect(certificatePublicKey((await generateCertificate()).cert)).toBeUndefined();
    expect(certificatePublicKey((await generateCertificate({ keyType: 'rsa' })).cert)).toBeUndefined();
  });

  it('refuses an identity beside a keyType, and a value that is not an identity', async () => {
    const identity = Identity.generate();
    await expect(generateCertificate({ identity, keyType: 'ec' })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(generateCertificate({ identity: { publicKey: new Uint8Array(3) } as never })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });
});

describe('tlsTransport({ identity })', () => {
  it('reports each side the other identity key in info.peerPublicKey, over TLS 1.3 and 1.2', async () => {
        for (const maxVersion of ['TLSv1.3', 'TLSv1.2'] as const) {
      const a = Identity.generate();
      const b = Identity.generate();
      const probe = await on().listen(tlsTransport({ identity: b }));
      const outgoing = await on().dial(tlsTransport({ identity: a, maxVersion }), probe.port);
      const incoming = await probe.nextConnection();
      expect(info(outgoing).protocol).toBe(maxVersion);
      expect(same(info(outgoing).peerPublicKey, b.publicKey)).toBe(true);
      expect(same(info(incoming).peerPublicKey, a.publicKey)).toBe(true);
      expect(info(incoming).peerFingerprint256).toBe(info(outgoing).localFingerprint256);

      const bytes = new TextEncoder().encode('bound');
      const got = readBytes(incoming, bytes.length);
      outgoing.write(bytes);
      expect(new TextDecoder().decode(await got)).toBe('bound');
    }
  });

  it('uses a given certificate of the identity, and refuses one of another key', async () => {
        const identity = Identity.generate();
    const own = await generateCertificate({ identity });
    const server = tlsTransport({ identity, key: own.key, cert: own.cert });
    expect((await server.certificate()).fingerprint256).toBe(own.fingerprint256);
    const probe = await on().listen(server);
    const outgoing = await on().dial(tlsTransport({ identity: Identity.generate() }), probe.port);
    expect(info(outgoing).peerFingerprint256).toBe(own.fingerprint256);

    const otherKey = await generateCertificate({ identity: Identity.generate() });
    const ecdsa = await generateCertificate();
    for (const c of [otherKey, ecdsa]) {
      expect(() => tlsTransport({ identity, key: c.key, cert: c.cert })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    }
    expect(() => tlsTransport({ identity, keyType: 'rsa' })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => tlsTransport({ identity: 'me' as never })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });

  it('pins saved identity certificates both ways: members connect, another identity is refused', async () => {
    const [a, b] = [Identity.generate(), Identity.generate()];
    const [certA, certB] = await Promise.all([generateCertificate({ identity: a }), generateCertificate({ identity: b })]);
    const pins = { pinnedFingerprints: [certA.fingerprint256, certB.fingerprint256], pinClients: true };
    const probe = await on().listen(tlsTransport({ identity: b, key: certB.key, cert: certB.cert, ...pins }));
    const member = await on().dial(tlsTransport({ identity: a, key: certA.key, cert: certA.cert, ...pins }), probe.port);
    expect(same(info(member).peerPublicKey, b.publicKey)).toBe(true);
    expect(same(info(await probe.nextConnection()).peerPublicKey, a.publicKey)).toBe(true);

    const stranger = tlsTransport({ identity: Identity.generate() });
    const outcome = await on().dial(stranger, probe.port).catch((e: unknown) => e);
    const refused = await probe.nextError();
    expect(refused.error).toMatchObject({ code: 'TLS_ERROR', details: { reason: TlsErrorReason.fingerprintMismatch, side: 'incoming' } });
    if (!isP2PError(outcome)) await closed(outcome as Awaited<ReturnType<Harness['dial']>>);
  });

  it('refuses to dial a server without an Ed25519 certificate (PEER_KEY_MISSING)', async () => {
        const plainServer = tlsTransport();
    const probe = await on().listen(plainServer);
    const err = await rejection(tlsTransport({ identity: Identity.generate() }).dial({ host: '127.0.0.1', port: probe.port, timeout: 5_000 }));
    expect(err).toMatchObject({ code: 'TLS_ERROR', details: { reason: TlsErrorReason.peerKeyMissing, side: 'outgoing' } });
    expect(err.details.actual).toBe((await plainServer.certificate()).fingerprint256);
    expect(err.message).toMatch(/not Ed25519.*authenticated subnet/);
  });

  it('drops clients with no certificate or a non-Ed25519 one, and keeps serving identity clients', async () => {
        const serverIdentity = Identity.generate();
    const probe = await on().listen(tlsTransport({ identity: serverIdentity }));

    // No client certificate at all (what py2p sends).
    const bare = tls.connect({ host: '127.0.0.1', port: probe.port, rejectUnauthorized: false });
    on().track(bare);
    bare.on('error', () => {});
    const first = await probe.nextError();
    expect(first.error).toMatchObject({ code: 'TLS_ERROR', details: { reason: TlsErrorReason.peerKeyMissing, side: 'incoming', actual: undefined } });
    await socketClosed(bare);

    // A plain @p2p transport answers the certificate request with its ECDSA certificate. The
    // client still learns the server's key: every Ed25519 peer certificate is reported.
    const plain = tlsTransport();
    const fromPlain = await on().dial(plain, probe.port).catch((e: unknown) => e);
    const second = await probe.nextError();
    expect(second.error).toMatchObject({ code: 'TLS_ERROR', details: { reason: TlsErrorReason.peerKeyMissing, side: 'incoming' } });
    expect(second.error.details.actual).toBe((await plain.certificate()).fingerprint256);
    if (!isP2PError(fromPlain)) {
      const c = fromPlain as Awaited<ReturnType<Harness['dial']>>;
      expect(same(info(c).peerPublicKey, serverIdentity.publicKey)).toBe(true);
      await closed(c);
    }

    const client = Identity.generate();
    await on().dial(tlsTransport({ identity: client }), probe.port);
    const accepted = await probe.nextConnection();
    expect(same(info(accepted).peerPublicKey, client.publicKey)).toBe(true);
    expect(probe.errors).toHaveLength(2);
  });

  it('sets no peerPublicKey between transports without identities', async () => {
        const probe = await on().listen(tlsTransport());
    const outgoing = await on().dial(tlsTransport(), probe.port);
    const incoming = await probe.nextConnection();
    expect('peerPublicKey' in outgoing.info).toBe(false);
    expect('peerPublicKey' in incoming.info).toBe(false);
  });
});
