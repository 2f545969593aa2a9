import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Identity, MainFlags, Protocol, SubFlags, registerTransport, tcpTransport, unregisterTransport } from '@p2p/base';
import { eventually, expectReleased, openHandles } from '@p2p/testnet';
import { AUTH, count, keyReportingTransport } from './auth-helpers';
import { MeshSocket } from '../src/index';
import { node, nextError, nextMessage } from './helpers';

describe('authenticated subnets: honest nodes', () => {
  it('two nodes prove their keys, connect, and exchange broadcasts and whispers', async () => {
    const a = await node({ protocol: AUTH });
    const b = await node({ protocol: AUTH, identity: Identity.generate() });
    const peer = await b.connect(...a.outAddr, { timeout: 5000 });
    expect(peer.id).toBe(a.identity!.id);
    await eventually(() => expect(a.peers.has(b.id)).toBe(true));

    const got = nextMessage(a);
    b.send(['hello', new Uint8Array([1, 2, 3])]);
    const m = await got;
    expect(m.packets).toEqual([SubFlags.broadcast, 'hello', new Uint8Array([1, 2, 3])]);
    expect(m.sender).toBe(b.id);

    const whisper = nextMessage(b);
    a.send(['psst'], { flag: MainFlags.whisper, type: SubFlags.whisper });
    expect((await whisper).packets).toEqual([SubFlags.whisper, 'psst']);
  });

  it('a line of three relays a broadcast end to end; replies route back', async () => {
    const [a, b, c] = [await node({ protocol: AUTH }), await node({ protocol: AUTH }), await node({ protocol: AUTH })];
    await b.connect(...a.outAddr, { timeout: 5000 });
    await c.connect(...b.outAddr, { timeout: 5000 });
    const atC = nextMessage(c);
    const atB = nextMessage(b);
    a.send(['to all']);
    expect((await atC).packets).toEqual([SubFlags.broadcast, 'to all']);
    expect((await atB).sender).toBe(a.id);
    const back = nextMessage(a, (m) => m.packets[1] === 'answer', 8000);
    await (await atC).reply('answer');
    expect((await back).sender).toBe(c.id);
    for (const n of [a, b, c]) {
      expect(count(n, 'p2p_signature_failures_total')).toBe(0);
      expect(count(n, 'p2p_auth_failures_total')).toBe(0);
    }
  });
});

describe('authenticated subnets: other networks', () => {
  const plainProtocols = [
    ['a plain node (default protocol)', undefined],
    ['a node of the same subnet without auth', new Protocol(AUTH.subnet, AUTH.encryption)],
  ] as const;

  for (const [name, protocol] of plainProtocols) {
    it(`${name} and an authenticated node refuse each other with PROTOCOL_MISMATCH, both ways`, async () => {
      const auth = await node({ protocol: AUTH });
      const plain = await node(protocol ? { protocol } : {});
      const mismatch = nextError(auth, 'PROTOCOL_MISMATCH');
      await expect(plain.connect(...auth.outAddr, { timeout: 5000 })).rejects.toMatchObject({ code: 'PROTOCOL_MISMATCH' });
      if (protocol) expect((await mismatch).message).toMatch(/this node subnet "authmesh", encryption Plaintext, authenticated; use .* on both, authenticated or not$/);
      await expect(auth.connect(...plain.outAddr, { timeout: 5000 })).rejects.toMatchObject({ code: 'PROTOCOL_MISMATCH' });
      expect(auth.peers.size).toBe(0);
      expect(plain.peers.size).toBe(0);
      expect(count(auth, 'p2p_signature_failures_total')).toBe(0);
    });
  }
});

describe('authenticated subnets: a key the transport authenticated', () => {
  it('connects when the TLS peer key is the handshake key, and refuses another with AUTH_FAILED', async () => {
    const b = Identity.generate();
    // A's transport reports b's key for every connection, as @p2p/ssl does for b's certificate.
    const a = await node({ protocol: AUTH, transport: keyReportingTransport(() => b.publicKey) });
    const good = await node({ protocol: AUTH, identity: b });
    await good.connect(...a.outAddr, { timeout: 5000 });
    await eventually(() => expect(a.peers.has(b.id)).toBe(true));

    const other = await node({ protocol: AUTH });
    const refused = nextError(a, 'AUTH_FAILED');
    await expect(other.connect(...a.outAddr, { timeout: 5000 })).rejects.toBeDefined();
    expect((await refused).message).toMatch(/TLS certificate/);
    expect(count(a, 'p2p_auth_failures_total', { reason: 'transport_key' })).toBe(1);
    expect(a.peers.has(other.id)).toBe(false);
    expect(a.peers.has(b.id)).toBe(true);
  });
});

describe('authenticated subnets: close', () => {
  it('leaves no socket, server or timer behind, also after a refused handshake', async () => {
    const before = openHandles();
    const a = await MeshSocket.listen({ protocol: AUTH });
    const b = await MeshSocket.listen({ protocol: AUTH });
    const other = await MeshSocket.listen({ protocol: AUTH, transport: keyReportingTransport(() => a.identity!.publicKey) });
    await b.connect(...a.outAddr, { timeout: 5000 });
    await expect(b.connect(...other.outAddr, { timeout: 5000 })).rejects.toBeDefined();
    await Promise.all([a.close(), b.close(), other.close()]);
    await expectReleased(before);
  });
});

describe('authenticated subnets: self', () => {
  it('a node dialing itself gets SELF_CONNECT after the proofs', async () => {
    const a = await node({ protocol: AUTH });
    await expect(a.connect(...a.outAddr, { timeout: 5000 })).rejects.toMatchObject({ code: 'SELF_CONNECT' });
    expect(count(a, 'p2p_auth_failures_total')).toBe(0);
  });
});

describe('authenticated subnets: several transports', () => {
  // TCP under another encryption name: another protocol id, as between TCP and WebSocket.
  const OTHER = 'tcp-auth-other';
  beforeAll(() => registerTransport(OTHER, () => ({ ...tcpTransport(), encryption: OTHER })));
  afterAll(() => void unregisterTransport(OTHER));

  it('a signed broadcast crosses from one transport to another through a node on both', async () => {
    const hub = await node({ protocol: AUTH, listen: [{}, { encryption: OTHER }], maxOutgoing: 0 });
    const p = await node({ protocol: AUTH });
    const q = await node({ protocol: new Protocol(AUTH.subnet, OTHER, { auth: true }) });
    await p.connect(...hub.outAddr, { timeout: 5000 });
    await q.connect('127.0.0.1', hub.addresses.find((a) => a.encryption === OTHER)!.port, { timeout: 5000 });
    const atQ = nextMessage(q);
    p.send(['across']);
    expect((await atQ).sender).toBe(p.id);
    const atP = nextMessage(p);
    q.send(['back']);
    expect((await atP).sender).toBe(q.id);
    expect(count(hub, 'p2p_signature_failures_total') + count(p, 'p2p_signature_failures_total') + count(q, 'p2p_signature_failures_total')).toBe(0);
  });
});
