/** Dialing across encryptions fails with texts that say what to change, not OpenSSL codes or a bare "closed". */
import { describe, expect, it } from 'vitest';
import { Protocol, type P2PError } from '@p2p/base';
import '@p2p/ssl';
import { MeshSocket } from '@p2p/mesh';
import { nextError, track } from './transports';

describe('encryption mismatch texts', () => {
  it('Plaintext dialing SSL: the dial says the peer may use another encryption', async () => {
    const tls = track(await MeshSocket.listen({ protocol: new Protocol('mesh', 'SSL') }));
    const plain = track(await MeshSocket.listen({ protocol: new Protocol('mesh', 'Plaintext') }));
    const seen = nextError(tls, (e) => e.code === 'TLS_ERROR');
    const err = await plain.connect(...tls.outAddr, { timeout: 3000 }).catch((e: P2PError) => e);
    expect(err).toMatchObject({ code: 'CONNECT_FAILED' });
    expect((err as P2PError).message).toMatch(/closed the connection before its handshake: it may use another encryption .* use the same encryption on both$/);
    const atTls = await seen;
    expect(atTls.message).toMatch(/is not TLS: probably a Plaintext node dialing this SSL node; it needs Protocol\(subnet, 'SSL'\)/);
    expect(atTls.message).not.toMatch(/ssl3_get_record|0A00010B/);
  });

  it('SSL dialing Plaintext: the dial says the peer is a Plaintext node; the Plaintext node says the dialer speaks TLS', async () => {
    const tls = track(await MeshSocket.listen({ protocol: new Protocol('mesh', 'SSL') }));
    const plain = track(await MeshSocket.listen({ protocol: new Protocol('mesh', 'Plaintext') }));
    const atPlain = nextError(plain, (e) => e.code === 'PROTOCOL_MISMATCH');
    const err = await tls.connect(...plain.outAddr, { timeout: 3000 }).catch((e: P2PError) => e);
    expect(err).toMatchObject({ code: 'TLS_ERROR', details: expect.objectContaining({ reason: 'NOT_TLS' }) });
    expect((err as P2PError).message).toMatch(/does not speak TLS: it is probably a Plaintext node; use the same encryption on both/);
    expect((err as P2PError).message).not.toMatch(/ssl3_get_record|0A00010B|wrong version number/);
    expect((await atPlain).message).toMatch(/speaks TLS: it is an SSL node and this one is Plaintext; use the same encryption on both/);
  });
});
