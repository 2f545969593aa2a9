/**
 * Attacks on an authenticated subnet, each over real TCP from a hand-driven peer: every one is
 * refused with a typed error, counted, and the honest nodes keep their links and their traffic.
 */
import { describe, expect, it } from 'vitest';
import { Identity, MainFlags, SubFlags, utf8Encode, type Message } from '@p2p/base';
import { eventually } from '@p2p/testnet';
import type { MeshSocket } from '../src/index';
import { AUTH_SUBFLAG, AuthKind } from '../src/auth-handshake';
import { AUTH, KeyedPeer, count, decodeRecorded, now, recordingProxy } from './auth-helpers';
import { RawPeer, node, nextError, nextMessage, track } from './helpers';

/** A victim `a` with honest peers `b` and `c` (b - a - c); `via` makes b dial a through that port. */
async function trio(via?: (a: MeshSocket) => Promise<number>): Promise<[MeshSocket, MeshSocket, MeshSocket]> {
  const a = await node({ protocol: AUTH, reconnect: false });
  const b = await node({ protocol: AUTH, reconnect: false });
  const c = await node({ protocol: AUTH, reconnect: false });
  await b.connect('127.0.0.1', via ? await via(a) : a.outAddr[1], { timeout: 5000 });
  await c.connect(...a.outAddr, { timeout: 5000 });
  await eventually(() => expect(a.peers.size).toBe(2));
  return [a, b, c];
}

/** The honest network still works: b's broadcast reaches a and c, and c's whisper reaches a. */
async function honestStillWorks(a: MeshSocket, b: MeshSocket, c: MeshSocket): Promise<void> {
  const text = `after ${Math.random()}`;
  const atA = nextMessage(a, (m) => m.packets[1] === text);
  const atC = nextMessage(c, (m) => m.packets[1] === text);
  b.send([text]);
  expect((await atA).sender).toBe(b.id);
  expect((await atC).sender).toBe(b.id);
  expect(a.peers.has(b.id) && a.peers.has(c.id)).toBe(true);
}

/** Every message text `socket` delivers from now on. */
function delivered(socket: MeshSocket): unknown[] {
  const seen: unknown[] = [];
  socket.on('message', (m: Message) => seen.push(m.packets[1]));
  return seen;
}

describe('authenticated subnets: refused handshakes', () => {
  it('a node claiming another id (its key does not hash to it) is dropped with IDENTITY_INVALID', async () => {
    const [a, b, c] = await trio();
    const filedB = a.peers.get(b.id);
    const refused = nextError(a, 'IDENTITY_INVALID');
    const hostile = await KeyedPeer.join(a, Identity.generate(), { claim: b.id, noWait: true });
    expect((await refused).details).toMatchObject({ claimed: b.id });
    await hostile.raw.closed;
    expect(count(a, 'p2p_auth_failures_total', { reason: 'id' })).toBe(1);
    expect(a.peers.get(b.id)).toBe(filedB);
    await honestStillWorks(a, b, c);
  });

  it("a replayed handshake (a real node's handshake, hello and proof, recorded) fails its proof on a new connection", async () => {
    const [a, b, c] = await trio();
    const proxy = await recordingProxy(a.outAddr[1]);
    const x = await node({ protocol: AUTH, reconnect: false });
    await x.connect('127.0.0.1', proxy.port, { timeout: 5000 });
    await eventually(() => expect(a.peers.has(x.id)).toBe(true));
    const recorded = proxy.frames.filter((f) => {
      const wire = decodeRecorded(f);
      return wire.payload[0] === SubFlags.handshake || wire.payload[0] === AUTH_SUBFLAG;
    });
    expect(recorded.map((f) => decodeRecorded(f).payload.slice(0, 2))).toEqual([
      [SubFlags.handshake, expect.anything()],
      [AUTH_SUBFLAG, AuthKind.hello],
      [AUTH_SUBFLAG, AuthKind.proof],
    ]);
    await x.close();
    await eventually(() => expect(a.peers.has(x.id)).toBe(false));

    const refused = nextError(a, 'AUTH_FAILED');
    const replay = track(await RawPeer.connect(a.outAddr[1]));
    for (const frame of recorded) replay.write(frame);
    expect((await refused).message).toMatch(/does not verify/);
    await replay.closed;
    expect(count(a, 'p2p_auth_failures_total', { reason: 'proof' })).toBe(1);
    expect(a.peers.has(x.id)).toBe(false);
    await honestStillWorks(a, b, c);
  });

  it("a node with a valid key cannot take over a live peer's id, even with the peer's own hello replayed", async () => {
    let proxy!: Awaited<ReturnType<typeof recordingProxy>>;
    const [a, b, c] = await trio(async (victim) => (proxy = await recordingProxy(victim.outAddr[1])).port);
    const filedB = a.peers.get(b.id)!;
    const bHello = proxy.frames.find((f) => {
      const wire = decodeRecorded(f);
      return wire.payload[0] === AUTH_SUBFLAG && wire.payload[1] === AuthKind.hello;
    })!;
    const seenByA = delivered(a);

    // Its own key: the claim is refused before any proof.
    const own = nextError(a, 'IDENTITY_INVALID');
    const first = await KeyedPeer.join(a, Identity.generate(), { claim: b.id, noWait: true });
    await own;
    await first.raw.closed;
    // b's genuine, signed hello: the claim holds, but a proof needs b's secret key. Signed as
    // itself, the proof does not verify; signed as b, its envelope does not.
    const proof = nextError(a, 'AUTH_FAILED');
    const hostile = Identity.generate();
    const second = await KeyedPeer.join(a, hostile, { claim: b.id, hello: bHello, proofSender: hostile.id, noWait: true });
    await proof;
    await second.raw.closed;
    const envelope = nextError(a, 'SIGNATURE_INVALID');
    const third = await KeyedPeer.join(a, hostile, { claim: b.id, hello: bHello, noWait: true });
    expect((await envelope).details).toMatchObject({ reason: 'sender' });
    await third.raw.closed;

    expect(count(a, 'p2p_auth_failures_total', { reason: 'id' })).toBe(1);
    expect(count(a, 'p2p_auth_failures_total', { reason: 'proof' })).toBe(1);
    // Never probed, replaced or refused as ID_IN_USE: the unproven claim decided nothing.
    expect(a.peers.get(b.id)).toBe(filedB);
    expect(filedB.state).toBe('open');
    expect(count(a, 'p2p_connections_closed_total', { reason: 'ID_IN_USE' })).toBe(0);
    expect(seenByA).toEqual([]);
    await honestStillWorks(a, b, c);
  });
});

describe('authenticated subnets: an unproven claim', () => {
  it("holds nothing: a claimant that never proves times out; the live peer it named is neither refused for nor probed", async () => {
    const a = await node({ protocol: AUTH, reconnect: false, limits: { handshakeTimeout: 500 } });
    const b = await node({ protocol: AUTH, reconnect: false });
    await b.connect(...a.outAddr, { timeout: 5000 });
    const filedB = a.peers.get(b.id)!;
    const claimant = track(await RawPeer.connect(a.outAddr[1]));
    await claimant.nextWhere((f) => f.wire.payload[0] === SubFlags.handshake);
    const timeout = nextError(a, 'HANDSHAKE_TIMEOUT');
    claimant.sendHandshake(a.protocol.idBytes(), { id: b.id });
    await timeout;
    await claimant.closed;
    expect(a.peers.get(b.id)).toBe(filedB);
    // A plain node would have answered the claim itself (ID_IN_USE, or a probe of b's link).
    expect(count(a, 'p2p_connections_closed_total', { reason: 'ID_IN_USE' })).toBe(0);
    expect(count(a, 'p2p_connections_closed_total', { reason: 'HANDSHAKE_TIMEOUT' })).toBe(1);
    expect(count(a, 'p2p_messages_sent_total', { flag: 'whisper', type: 'handshake' })).toBeGreaterThan(0);
    expect(count(a, 'p2p_messages_sent_total', { flag: 'whisper', type: 'ping' })).toBe(0);
  });
});

describe('authenticated subnets: a handshake out of order', () => {
  /** Connects a keyed raw peer to `a`, sends its handshake, then runs `run`. */
  async function misstep(a: MeshSocket, run: (peer: KeyedPeer) => void): Promise<void> {
    const { peer } = await KeyedPeer.open(a);
    peer.raw.sendHandshake(a.protocol.idBytes());
    run(peer);
    await peer.raw.closed;
  }
  const hello = (p: KeyedPeer) => p.sendSigned({ type: MainFlags.whisper, sender: p.identity.id, time: now(), payload: [AUTH_SUBFLAG, AuthKind.hello, new Uint8Array(32)] });

  it('refuses a malformed hello, a proof before the hello, a second hello and a renamed handshake (AUTH_FAILED, by reason)', async () => {
    const [a, b, c] = await trio();
    const cases: Array<[string, (p: KeyedPeer) => void]> = [
      ['malformed', (p) => p.sendSigned({ type: MainFlags.whisper, sender: p.identity.id, time: now(), payload: [AUTH_SUBFLAG, AuthKind.hello, new Uint8Array(31)] })],
      ['unexpected', (p) => p.sendSigned({ type: MainFlags.whisper, sender: p.identity.id, time: now(), payload: [AUTH_SUBFLAG, AuthKind.proof, new Uint8Array(64)] })],
      ['unexpected', (p) => (hello(p), hello(p))],
      ['changed_id', (p) => p.raw.sendHandshake(a.protocol.idBytes(), { id: b.id })],
    ];
    for (const [reason, run] of cases) {
      const before = count(a, 'p2p_auth_failures_total', { reason });
      const refused = nextError(a, 'AUTH_FAILED');
      await misstep(a, run);
      await refused;
      expect(count(a, 'p2p_auth_failures_total', { reason }), reason).toBe(before + 1);
    }
    await honestStillWorks(a, b, c);
  });
});

describe('authenticated subnets: refused messages', () => {
  it('a broadcast with a forged sender is dropped, counted, and its neighbour dropped (SIGNATURE_INVALID)', async () => {
    const [a, b, c] = await trio();
    const seenByC = delivered(c);

    // Signed with the hostile key, naming b as the sender.
    const h1 = await KeyedPeer.join(a);
    const e1 = nextError(a, 'SIGNATURE_INVALID');
    h1.sendSigned({ type: MainFlags.broadcast, sender: b.id, time: now(), payload: [SubFlags.broadcast, 'forged 1'] });
    expect((await e1).details).toMatchObject({ reason: 'sender', sender: b.id });
    await h1.raw.closed;

    // b's public key in the envelope, with a signature b never made.
    const h2 = await KeyedPeer.join(a);
    const packed = h2.signer.pack({ type: MainFlags.broadcast, sender: b.id, time: now(), payload: [SubFlags.broadcast, 'forged 2'] }).packed;
    packed.set(b.identity!.publicKey, packed.length - 98);
    const e2 = nextError(a, 'SIGNATURE_INVALID');
    h2.sendPacked(packed);
    expect((await e2).details).toMatchObject({ reason: 'signature' });
    await h2.raw.closed;

    // No signature at all.
    const h3 = await KeyedPeer.join(a);
    const e3 = nextError(a, 'SIGNATURE_INVALID');
    h3.raw.sendPayload(MainFlags.broadcast, [SubFlags.broadcast, 'forged 3'], now(), b.id);
    expect((await e3).details).toMatchObject({ reason: 'missing' });
    await h3.raw.closed;

    expect(count(a, 'p2p_signature_failures_total')).toBe(3);
    await honestStillWorks(a, b, c);
    expect(seenByC.filter((t) => String(t).startsWith('forged'))).toEqual([]);
  });

  it('a relayed broadcast with one byte changed (checksum recomputed) is caught by its signature alone', async () => {
    const [a, b, c] = await trio();
    const identity = Identity.generate();
    const towardsB = await KeyedPeer.join(b, identity);
    const towardsA = await KeyedPeer.join(a, identity);
    const seenByA = delivered(a);
    const seenByC = delivered(c);

    const atC = nextMessage(c, (m) => m.packets[1] === 'original text');
    b.send(['original text']);
    const heard = await towardsB.raw.nextWhere((f) => f.wire.type === MainFlags.broadcast && f.wire.payload[1] === 'original text');
    const tampered = Uint8Array.from(heard.wire.packed);
    const at = indexOf(tampered, utf8Encode('original'));
    tampered[at] = tampered[at]! ^ 0x20; // "Original text": valid msgpack, valid checksum, the signature no longer matches
    const refused = nextError(a, 'SIGNATURE_INVALID');
    towardsA.sendPacked(tampered);
    expect((await refused).details).toMatchObject({ reason: 'signature', sender: b.id });
    await towardsA.raw.closed;
    await atC;

    expect(count(a, 'p2p_signature_failures_total', { reason: 'signature' })).toBe(1);
    await honestStillWorks(a, b, c);
    expect(seenByA).not.toContain('Original text');
    expect(seenByC).not.toContain('Original text');
    expect(seenByC.filter((t) => t === 'original text')).toHaveLength(1);
  });

  it("a whisper passed on by a node that did not write it is refused (SIGNATURE_INVALID, reason path)", async () => {
    const [a, b, c] = await trio();
    const identity = Identity.generate();
    const towardsB = await KeyedPeer.join(b, identity);
    const towardsA = await KeyedPeer.join(a, identity);
    const seenByA = delivered(a);
    b.send(['for neighbours'], { flag: MainFlags.whisper, type: SubFlags.whisper });
    const heard = await towardsB.raw.nextWhere((f) => f.wire.type === MainFlags.whisper && f.wire.payload[1] === 'for neighbours');
    await eventually(() => expect(seenByA).toEqual(['for neighbours']));
    const refused = nextError(a, 'SIGNATURE_INVALID');
    towardsA.sendPacked(heard.wire.packed);
    expect((await refused).details).toMatchObject({ reason: 'path', sender: b.id });
    await towardsA.raw.closed;
    expect(seenByA).toEqual(['for neighbours']);
    await honestStillWorks(a, b, c);
  });

  it('a broadcast replayed inside the de-duplication window is dropped as a duplicate, its neighbour kept', async () => {
    const [a, b, c] = await trio();
    const hostile = await KeyedPeer.join(a);
    const seenByA = delivered(a);
    const seenByC = delivered(c);
    b.send(['once']);
    const heard = await hostile.raw.nextWhere((f) => f.wire.type === MainFlags.broadcast && f.wire.payload[1] === 'once');
    await eventually(() => expect(seenByC).toEqual(['once']));
    const before = count(a, 'p2p_duplicates_dropped_total');
    hostile.sendPacked(heard.wire.packed);
    await eventually(() => expect(count(a, 'p2p_duplicates_dropped_total')).toBeGreaterThan(before));
    expect(seenByA).toEqual(['once']);
    expect(hostile.raw.socket.destroyed).toBe(false);
    expect(count(a, 'p2p_signature_failures_total')).toBe(0);
    await honestStillWorks(a, b, c);
    expect(seenByC.filter((t) => t === 'once')).toHaveLength(1);
  });
});

function indexOf(haystack: Uint8Array, needle: Uint8Array): number {
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return i;
  }
  throw new Error('not found');
}
