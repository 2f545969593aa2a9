// Importing '@p2p/ssl' (the entry with the side effect) registers 'SSL' for every socket.
import { afterEach, describe, expect, it } from 'vitest';
import { Protocol, createTransport, hasTransport, registerTransport, tcpTransport, type TransportConnection } from '@p2p/base';
import { registerSsl, tlsTransport, type TlsConnectionInfo } from '../src/index';
import { Harness } from './helpers';

let h: Harness;
afterEach(async () => {
  await h?.close();
});

describe("importing '@p2p/ssl'", () => {
  it("registers 'SSL', so a Protocol('mesh', 'SSL') socket finds its transport", async () => {
    h = new Harness();
    expect(hasTransport('SSL')).toBe(true);
    const protocol = new Protocol('mesh', 'SSL');
    expect(protocol.id).toBe('EkE9cS4dwjZ8uo8H1pxYe7WrJ3wXgaHfozHQUkb99eHm');
    const server = createTransport(protocol.encryption);
    expect(server.encryption).toBe('SSL');
    const probe = await h.listen(server);
    const outgoing: TransportConnection = await h.dial(createTransport('SSL'), probe.port);
    expect((outgoing.info as unknown as TlsConnectionInfo).protocol).toBe('TLSv1.3');
  });

  it('passes transportOptions through createTransport to tlsTransport', async () => {
    h = new Harness();
    const probe = await h.listen(createTransport('SSL'));
    const pinnedElsewhere = createTransport('SSL', { pinnedFingerprints: ['00'.repeat(32)], handshakeTimeout: 1_000 });
    await expect(pinnedElsewhere.dial({ host: '127.0.0.1', port: probe.port })).rejects.toMatchObject({
      code: 'TLS_ERROR',
      details: expect.objectContaining({ reason: 'FINGERPRINT_MISMATCH' }),
    });
    expect(() => createTransport('SSL', { handshakeTimeout: -1 })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });

  it('registerSsl() is idempotent and does not replace another SSL transport unless forced', () => {
    expect(registerSsl()).toBe(false);
    const custom = (): ReturnType<typeof tcpTransport> => ({ ...tcpTransport(), encryption: 'SSL' });
    registerTransport('SSL', custom);
    expect(registerSsl()).toBe(false);
    expect(createTransport('SSL')).not.toHaveProperty('certificate');
    expect(registerSsl({ force: true })).toBe(true);
    expect(createTransport('SSL')).toHaveProperty('certificate');
    expect(tlsTransport().encryption).toBe('SSL');
  });
});
