/**
 * Authenticated subnets over real TCP (README, "Authenticated subnets"): honest nodes converge
 * with every write signed by its owner; a hostile node with a valid key of its own cannot write
 * in another owner's name (forged replays, deletes, live stores, deltas: SIGNATURE_INVALID,
 * counted, nothing applied); leases run from the signed timestamp; replays verify hop by hop.
 */
import { describe, expect, it } from 'vitest';
import { MainFlags, Protocol, SubFlags, encodeMsgpack, utf8Encode, type Message } from '@p2p/base';
import type { MeshSocket } from '@p2p/mesh';
import { eventually, waitFor } from '@p2p/testnet';
import type { SyncSocket } from '@p2p/sync';
import { signWrite } from '../src/signed-writes';
import { AUTH_SYNC, authNode, count, forged, hostileNode, link } from './auth-helpers';
import { nextError, RawPeer, reconnectAfterChanges, syncNode, testClock, text, track } from './helpers';

const DELETED = 0x2e;
const SUBNET = `${AUTH_SYNC.subnet}1`;

/** A line a - b - c of honest authenticated nodes. */
async function line(): Promise<[SyncSocket, SyncSocket, SyncSocket]> {
  const [a, b, c] = await Promise.all([authNode(), authNode(), authNode()]);
  await link(a!, b!);
  await link(c!, b!);
  return [a!, b!, c!];
}

/** The signed store message (sub-flag, key, value, key, signature) `from` receives next for `key`. */
function nextSignedStore(from: MeshSocket, key: string): Promise<Message> {
  return new Promise((resolve) => {
    from.registerHandler(
      (m: Message) => {
        if (m.packets[0] === SubFlags.store && m.packets[1] instanceof Uint8Array && text(m.packets[1]) === key) resolve(m);
        return false;
      },
      { checkArity: false },
    );
  });
}

describe('authenticated subnets: honest nodes', () => {
  it('three nodes converge on stores, deletes, updates and deltas, each version signed by its writer', async () => {
    const [a, b, c] = await line();
    expect(a.protocol.auth).toBe(true);
    expect(a.id).toBe(a.identity!.id);
    a.set('a-key', { from: 'a' });
    c.set('c-key', 'from c');
    b.update({ 'b-1': 1, 'b-2': 2 });
    a.applyDelta('map', { x: 1 });
    await waitFor(() => c.get('map') !== undefined && a.has('c-key') && c.has('b-2'));
    a.applyDelta('map', { y: 2 });
    b.delete('b-1');
    await eventually(() => {
      for (const n of [a, b, c]) {
        expect(n.get('a-key')).toEqual({ from: 'a' });
        expect(n.get('c-key')).toBe('from c');
        expect(n.has('b-1')).toBe(false);
        expect(n.get('b-2')).toBe(2);
        expect(n.get('map')).toEqual({ x: 1, y: 2 });
        expect(n.getMeta('map')!.owner).toBe(a.id);
        expect(n.getMeta('c-key')!.owner).toBe(c.id);
      }
    });
    for (const n of [a, b, c]) {
      expect(forged(n)).toBe(0);
      expect(n.status).toBe('Nominal');
    }
  });

  it('join and catch-up replays verify at every hop (a joiner replays to the next what it was replayed)', async () => {
    const [a, b] = await Promise.all([authNode(), authNode()]);
    await link(a, b);
    for (let i = 0; i < 20; i++) a.set(`k${i}`, i);
    b.set('gone', 'soon');
    await waitFor(() => a.has('gone') && b.size === 21);
    b.delete('gone');
    await waitFor(() => !a.has('gone'));

    // d hears everything through b's replay only; e through d's replay only.
    const d = await authNode();
    await link(d, b);
    await waitFor(() => d.size === 20 && d.tombstoneCount === 1);
    const e = await authNode();
    await link(e, d);
    await waitFor(() => e.size === 20 && e.tombstoneCount === 1);
    for (const n of [d, e]) {
      expect(n.get('k7')).toBe(7);
      expect(n.getMeta('k7')).toEqual(a.getMeta('k7'));
      expect(forged(n)).toBe(0);
    }
    // A later owner write still reaches the end of the chain.
    a.set('k7', 'seven');
    await waitFor(() => e.get('k7') === 'seven');
  });

  it('a peer that reconnects catches up on what changed, signed, without the whole replay', async () => {
    const [a, b] = await Promise.all([authNode(), authNode()]);
    expect(await reconnectAfterChanges(a, b, () => link(b, a))).toBeLessThan(5000);
    expect(b.size).toBe(a.size);
    for (const n of [a, b]) expect(forged(n)).toBe(0);
  });

  it('an authenticated node and a plain one do not connect (PROTOCOL_MISMATCH)', async () => {
    const authed = await authNode();
    const plain = await syncNode({ protocol: new Protocol(AUTH_SYNC.subnet, AUTH_SYNC.encryption) });
    await expect(plain.connect(...authed.outAddr, { timeout: 2000 })).rejects.toMatchObject({ code: 'PROTOCOL_MISMATCH' });
  });

  it('what goes on the wire carries the writer key and signature after the value', async () => {
    const node = await authNode();
    const listener = await hostileNode();
    const captured = nextSignedStore(listener, 'k');
    await link(listener, node);
    node.set('k', 'v');
    const m = await captured;
    expect(m.packets).toHaveLength(5);
    expect(m.packets[2]).toBe('v');
    expect(m.packets[3]).toEqual(node.identity!.publicKey);
    expect((m.packets[4] as Uint8Array).length).toBe(64);
    expect(m.time).toBe(node.getMeta('k')!.timestamp);
  });
});

describe('authenticated subnets: a hostile node with a valid key of its own', () => {
  it("cannot store, delete or extend another owner's leased key: SIGNATURE_INVALID, counted, honest state kept", async () => {
    const [a, b, c] = await line();
    const h = await hostileNode();
    const genuine = nextSignedStore(h, 'k');
    await link(h, b);
    a.set('k', 'owner value');
    await waitFor(() => c.get('k') === 'owner value');
    // A real signature of a's, as the hostile node saw it go by.
    const real = await genuine;
    const [aKey, aSig] = [real.packets[3] as Uint8Array, real.packets[4] as Uint8Array];
    const t = real.time;
    const toB = h.peers.get(b.id)!;
    const owner = utf8Encode(a.id);
    const k = utf8Encode('k');
    const hSigned = (raw: Uint8Array | undefined, timestamp: number) => signWrite(h.identity!, SUBNET, { key: k, raw, owner: a.id, timestamp });

    const attacks: Array<[string, () => void]> = [
      // Replays in a's name: h's own valid signature, a's real signature on another value, time, kind.
      ['replay signed by another key', () => {
        const p = hSigned(encodeMsgpack('evil'), t);
        toB.send(MainFlags.whisper, [k, 'evil', owner, t, p.publicKey, p.signature], { type: SubFlags.store });
      }],
      ["replay of a's signature on another value", () => toB.send(MainFlags.whisper, [k, 'evil', owner, t, aKey, aSig], { type: SubFlags.store })],
      ["replay of a's signature with a later time (a longer lease)", () =>
        toB.send(MainFlags.whisper, [k, 'owner value', owner, t + 30, aKey, aSig], { type: SubFlags.store })],
      ['a delete in the name of a', () => toB.send(MainFlags.whisper, [k, owner, t + 1, aKey, aSig], { type: DELETED })],
      ['a delete signed by another key', () => {
        const p = hSigned(undefined, t + 1);
        toB.send(MainFlags.whisper, [k, owner, t + 1, p.publicKey, p.signature], { type: DELETED });
      }],
      // Live broadcasts (relayed by b to a and c before anyone checks sync's signature).
      ["a live store carrying a's key", () => h.send([k, 'evil', aKey, aSig], { type: SubFlags.store })],
      ['an unsigned delta', () => h.send([k, { evil: true }], { type: SubFlags.delta })],
    ];
    for (const [what, attack] of attacks) {
      const refused = nextError(b, 'SIGNATURE_INVALID');
      attack();
      await expect(refused, what).resolves.toMatchObject({ code: 'SIGNATURE_INVALID', details: { sender: h.id } });
    }
    await waitFor(() => forged(c) === 2 && forged(a) === 2);
    expect(forged(b, 'replay')).toBe(5);
    expect(forged(b, 'live')).toBe(2);
    for (const n of [a, b, c]) {
      expect(n.get('k')).toBe('owner value');
      expect(n.getMeta('k')).toEqual({ owner: a.id, timestamp: t });
    }
    // The honest network keeps working; the hostile node's links stay (the rule is documented).
    a.set('k', 'owner again');
    c.set('other', 'from c');
    await waitFor(() => c.get('k') === 'owner again' && a.get('other') === 'from c' && b.get('k') === 'owner again');
    expect(b.peers.has(h.id)).toBe(true);
  });

  it('its own validly signed write of a leased key is refused by the lease; an old genuine version loses', async () => {
    const [a, b, c] = await line();
    const clock = testClock();
    const h = await hostileNode({ clock });
    const first = nextSignedStore(h, 'k');
    await link(h, b);
    a.set('k', 'v1');
    const old = await first;
    await waitFor(() => c.get('k') === 'v1');
    // a writes again a second later: the version h holds is now old.
    const t2 = old.time + 1;
    await new Promise((r) => setTimeout(r, Math.max(0, t2 * 1000 - Date.now() + 10)));
    a.set('k', 'v2');
    await waitFor(() => c.get('k') === 'v2' && b.get('k') === 'v2');

    // h's own write, correctly signed as h, a second after v2 (within v2's second the smaller id would win the tie): the lease is a's.
    const v2Time = c.getMeta('k')!.timestamp;
    await new Promise((r) => setTimeout(r, Math.max(0, (v2Time + 1) * 1000 - Date.now() + 10)));
    const now = Math.floor(Date.now() / 1000);
    clock.freeze(now * 1000);
    const own = signWrite(h.identity!, SUBNET, { key: utf8Encode('k'), raw: encodeMsgpack('mine'), owner: h.id, timestamp: now });
    const before = count(c, 'p2p_sync_lease_refusals_total', { origin: 'peer' });
    h.send([utf8Encode('k'), 'mine', own.publicKey, own.signature], { type: SubFlags.store });
    await waitFor(() => count(c, 'p2p_sync_lease_refusals_total', { origin: 'peer' }) > before);
    // a's genuine but older version, replayed: it loses to v2 (and b answers with v2).
    const toB = h.peers.get(b.id)!;
    toB.send(MainFlags.whisper, [utf8Encode('k'), 'v1', utf8Encode(a.id), old.time, old.packets[3], old.packets[4]], { type: SubFlags.store });
    await new Promise((r) => setTimeout(r, 100));
    for (const n of [a, b, c]) expect(n.get('k')).toBe('v2');
    for (const n of [a, b, c]) expect(forged(n)).toBe(0);
  });
});

describe('authenticated subnets: leases run from the signed timestamp', () => {
  it('a lease lapses an hour after the signed write; a forged later date does not keep it', async () => {
    const now = Math.floor(Date.now() / 1000);
    // Writers whose clocks run behind: their writes reach b by the join replay, dated as signed.
    const lapsedWriter = await authNode({ clock: testClock(-3610 * 1000) });
    const heldWriter = await authNode({ clock: testClock(-3590 * 1000) });
    lapsedWriter.set('lapsed', 'written 3610 s ago');
    heldWriter.set('held', 'written 3590 s ago');
    const b = await authNode();
    await link(b, lapsedWriter);
    await link(b, heldWriter);
    await waitFor(() => b.has('lapsed') && b.has('held'));
    expect(b.getMeta('lapsed')!.timestamp).toBeLessThan(now - 3600);
    expect(b.getMeta('held')!.timestamp).toBeGreaterThanOrEqual(now - 3600);

    // A hostile neighbour re-dates the held write to look lapsed, with its owner's real signature.
    const h = await hostileNode();
    const captured = new Promise<Message>((resolve) => {
      h.registerHandler((m: Message) => (m.packets[0] === SubFlags.store && text(m.packets[1] as Uint8Array) === 'held' ? (resolve(m), true) : false), {
        checkArity: false,
      });
    });
    await link(h, b);
    const held = await captured; // b's join replay to h, with the proof
    const [key, raw, owner, timestamp, publicKey, signature] = held.packets.slice(1);
    expect(timestamp).toBe(b.getMeta('held')!.timestamp);
    const refused = nextError(b, 'SIGNATURE_INVALID');
    h.peers.get(b.id)!.send(MainFlags.whisper, [key, raw, owner, (timestamp as number) - 100, publicKey, signature], { type: SubFlags.store });
    await refused;
    expect(b.getMeta('held')!.timestamp).toBe(timestamp);

    expect(() => b.set('held', 'taken')).toThrow(expect.objectContaining({ code: 'LEASE_HELD' }));
    // c keeps real time too (the writers' clocks are an hour behind: b's new writes are far in their future).
    const c = await authNode();
    await link(c, b);
    await waitFor(() => c.has('lapsed') && c.has('held'));
    b.set('lapsed', 'taken over');
    await waitFor(() => c.get('lapsed') === 'taken over');
    expect(c.getMeta('lapsed')!.owner).toBe(b.id);
    expect(c.getMeta('held')).toEqual(heldWriter.getMeta('held'));
    for (const n of [b, c]) expect(forged(n, 'live')).toBe(0);
  });
});

describe('authenticated subnets: a raw TCP peer', () => {
  it('gets no handshake past the proof, so it can write nothing', async () => {
    const node = await authNode();
    const raw = track(await RawPeer.connect(node.outAddr[1]));
    await raw.nextWhere((f) => f.wire.payload[0] === SubFlags.handshake);
    raw.sendHandshake(node.protocol.idBytes());
    raw.sendPayload(MainFlags.broadcast, [SubFlags.store, utf8Encode('k'), 'unsigned']);
    await raw.closed;
    expect(node.has('k')).toBe(false);
  });
});
