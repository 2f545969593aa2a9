/** Pure pieces: de-duplication set, receive queue, conflict rule, payload parsers. */
import { describe, expect, it } from 'vitest';
import { utf8Encode } from '@p2p/base';
import { resolveConflict } from '../src/conflict';
import { IDENTITY_PROBE_MS, SIMULTANEOUS_CONNECT_MS, decideHandshake } from '../src/handshake';
import { MessageQueue } from '../src/message-queue';
import { handshakeFields, isWildcard, parseHandshake, parsePeers, peersField } from '../src/payloads';
import { Waterfall } from '../src/waterfall';

const id = (n: number) => new Uint8Array(32).fill(n);

describe('Waterfall', () => {
  it('admits once, rejects duplicates and anything older than 60 s', () => {
    const w = new Waterfall(100);
    expect(w.admit(id(1), 1000, 1000)).toBe('new');
    expect(w.admit(id(1), 1000, 1001)).toBe('duplicate');
    expect(w.admit(id(1), 1001, 1001)).toBe('new'); // same id, other time: another entry
    expect(w.admit(id(2), 939, 1000)).toBe('expired');
    expect(w.admit(id(2), 940, 1000)).toBe('new');
    expect(w.expired).toBe(1);
  });

  it('forgets entries once they leave the window and evicts the oldest when full', () => {
    const w = new Waterfall(2);
    w.remember(id(1), 1000, 1000);
    w.remember(id(2), 1000, 1000);
    w.remember(id(3), 1000, 1000);
    expect(w.size).toBe(2);
    expect(w.evicted).toBe(1);
    expect(w.has(id(1), 1000)).toBe(false);
    w.prune(1060);
    expect(w.size).toBe(0);
  });

  it('past a large cap evicts the oldest eighth at once, each counted', () => {
    const w = new Waterfall(64);
    const big = (n: number) => { const b = new Uint8Array(32); b[0] = n >> 8; b[1] = n & 255; return b; };
    for (let n = 0; n <= 64; n++) w.remember(big(n), 1000, 1000);
    expect(w.size).toBe(56);
    expect(w.evicted).toBe(9);
    expect(w.has(big(8), 1000)).toBe(false);
    expect(w.has(big(9), 1000)).toBe(true);
    expect(w.has(big(64), 1000)).toBe(true);
  });
});

describe('MessageQueue', () => {
  it('is FIFO, bounded (drop oldest, counted), and serves waiting consumers first', async () => {
    const q = new MessageQueue<number>(2);
    q.push(1);
    q.push(2);
    q.push(3);
    expect(q.dropped).toBe(1);
    expect(q.take(5)).toEqual([2, 3]);
    const it = q.iterate();
    const next = it.next();
    q.push(4);
    expect(await next).toEqual({ value: 4, done: false });
    expect(q.size).toBe(0);
    await it.return!();
    expect(await it.next()).toEqual({ value: undefined, done: true });
  });

  it('close() ends waiting consumers and ignores later pushes', async () => {
    const q = new MessageQueue<number>(10);
    const pending = q.iterate().next();
    q.close();
    expect(await pending).toEqual({ value: undefined, done: true });
    q.push(1);
    expect(q.size).toBe(0);
  });
});

describe('resolveConflict (PROTOCOL.md 4.5)', () => {
  const big = 'zzzz';
  const small = '2222';
  it('opposite directions: the larger id keeps the connection it opened', () => {
    // I am larger: keep the one I dialed.
    expect(resolveConflict(big, small, { outgoing: false, remoteHost: 'h' }, { outgoing: true, remoteHost: 'h' })).toBe('keep-incoming');
    expect(resolveConflict(big, small, { outgoing: true, remoteHost: 'h' }, { outgoing: false, remoteHost: 'h' })).toBe('keep-existing');
    // I am smaller: keep the one the peer dialed.
    expect(resolveConflict(small, big, { outgoing: true, remoteHost: 'h' }, { outgoing: false, remoteHost: 'h' })).toBe('keep-incoming');
    expect(resolveConflict(small, big, { outgoing: false, remoteHost: 'h' }, { outgoing: true, remoteHost: 'h' })).toBe('keep-existing');
  });

  it('same direction: a reconnect from the same host wins, a claim from another host does not (F1)', () => {
    expect(resolveConflict(big, small, { outgoing: false, remoteHost: 'h' }, { outgoing: false, remoteHost: 'h' })).toBe('keep-incoming');
    expect(resolveConflict(big, small, { outgoing: false, remoteHost: 'h' }, { outgoing: false, remoteHost: 'evil' })).toBe('keep-existing');
  });
});

describe('payloads', () => {
  it('handshake: exactly 5 payload elements, ids str or bin', () => {
    const fields = handshakeFields('abc', 'proto', ['127.0.0.1', 4444], [0x13, 0x11]);
    expect(parseHandshake([5, ...fields])).toEqual({ id: 'abc', protocolId: 'proto', addr: ['127.0.0.1', 4444], compression: [0x13, 0x11] });
    expect(parseHandshake([5, 'abc', 'proto', ['127.0.0.1', 4444], []])).toMatchObject({ id: 'abc' });
    expect(parseHandshake([5, '0'])).toBeUndefined();
    expect(parseHandshake([5, ...fields, 'extra'])).toBeUndefined();
    expect(parseHandshake([5, 1, 'proto', ['h', 1], []])).toBe('invalid');
    expect(parseHandshake([5, 'a', 'proto', ['h', 70000], []])).toBe('invalid');
  });

  it('peers: bounded, malformed entries skipped', () => {
    const [list] = peersField([{ addr: ['10.0.0.1', 1], id: 'x' }]);
    expect(list).toEqual([[['10.0.0.1', 1], utf8Encode('x')]]);
    const payload = [7, [[['h', 1], 'a'], 'junk', [['h', 2], 'b'], [['h', 3], 'c']]];
    expect(parsePeers(payload, 2)).toEqual([
      { addr: ['h', 1], id: 'a' },
      { addr: ['h', 2], id: 'b' },
    ]);
    expect(parsePeers([7, 'nope'], 10)).toBeUndefined();
  });

  it('the "*" wildcard is accepted as str or bin', () => {
    expect(isWildcard('*')).toBe(true);
    expect(isWildcard(new Uint8Array([0x2a]))).toBe(true);
    expect(isWildcard('**')).toBe(false);
  });
});

describe('decideHandshake (PROTOCOL.md 4.3, 4.5, F1)', () => {
  const me = 'B'.repeat(60);
  const peer = 'C'.repeat(60);
  const now = 100_000;
  const hs = { id: peer, protocolId: 'p', addr: ['127.0.0.1', 1] as [string, number], compression: [] };
  const link = { peerId: undefined, outgoing: false, remoteHost: '127.0.0.1', filed: false, openedAt: now - 50 };
  const facts = { myId: me, myProtocolId: 'p', handshake: hs, now, link, existing: undefined };
  // A filed link of the same peer, filed long ago, last heard from just now.
  const filed = { outgoing: false, remoteHost: '127.0.0.1', addr: hs.addr, openedAt: now - 60_000, lastReceivedAt: now - 10 };
  const silent = { ...filed, lastReceivedAt: now - IDENTITY_PROBE_MS };

  it('covers the plain verdicts', () => {
    expect(decideHandshake({ ...facts, handshake: 'invalid' })).toEqual({ kind: 'invalid' });
    expect(decideHandshake({ ...facts, handshake: { ...hs, protocolId: 'q' } })).toEqual({ kind: 'mismatch', theirs: 'q' });
    expect(decideHandshake({ ...facts, handshake: { ...hs, id: me } })).toEqual({ kind: 'self' });
    expect(decideHandshake(facts)).toEqual({ kind: 'accept', isNew: true });
    // A repeated handshake on the same link is not a new peer.
    expect(decideHandshake({ ...facts, link: { ...link, peerId: peer, filed: true } })).toEqual({ kind: 'accept', isNew: false });
  });

  it('a link cannot change its id', () => {
    expect(decideHandshake({ ...facts, link: { ...link, peerId: 'D'.repeat(60), filed: true } })).toEqual({ kind: 'renamed', was: 'D'.repeat(60) });
    // Even when the id it now claims is free, or filed elsewhere.
    expect(decideHandshake({ ...facts, link: { ...link, peerId: 'D'.repeat(60), filed: true }, existing: silent })).toMatchObject({ kind: 'renamed' });
  });

  it('a second link claiming a live filed id is refused, from any host and either direction, whichever id is larger', () => {
    for (const myId of [me, 'z'.repeat(60), '2']) {
      for (const outgoing of [false, true]) {
        for (const remoteHost of ['127.0.0.1', '10.0.0.9']) {
          expect(decideHandshake({ ...facts, myId, link: { ...link, outgoing, remoteHost }, existing: filed })).toEqual({ kind: 'refuse' });
          expect(decideHandshake({ ...facts, myId, link: { ...link, outgoing, remoteHost }, existing: { ...filed, outgoing: true } })).toEqual({ kind: 'refuse' });
        }
      }
    }
  });

  it('a silent filed link is probed first, and replaced only when it stayed silent through the probe', () => {
    expect(decideHandshake({ ...facts, existing: silent })).toEqual({ kind: 'probe' });
    const since = now - IDENTITY_PROBE_MS;
    expect(decideHandshake({ ...facts, existing: { ...silent, lastReceivedAt: since - 1 }, probedSince: since })).toEqual({ kind: 'replace' });
    // It answered during the probe, even within the same millisecond the probe went out.
    expect(decideHandshake({ ...facts, existing: { ...silent, lastReceivedAt: since + 1_500 }, probedSince: since })).toEqual({ kind: 'refuse' });
    expect(decideHandshake({ ...facts, existing: { ...silent, lastReceivedAt: since }, probedSince: since })).toEqual({ kind: 'refuse' });
  });

  it('a simultaneous connect (crossed, same host and address, opened together, handshake at once) follows the 4.5 rule', () => {
    const crossed = { ...filed, outgoing: true, openedAt: now - 20 };
    const expected = resolveConflict(me, peer, crossed, link) === 'keep-incoming' ? 'replace' : 'lose';
    expect(decideHandshake({ ...facts, existing: crossed }).kind).toBe(expected);
    const other = resolveConflict(peer, me, crossed, link) === 'keep-incoming' ? 'replace' : 'lose';
    expect(other).not.toBe(expected);
    expect(decideHandshake({ ...facts, myId: peer, handshake: { ...hs, id: me }, existing: crossed }).kind).toBe(other);
    // Not a simultaneous connect: another host, another advertised address, links opened far apart, a late handshake.
    expect(decideHandshake({ ...facts, link: { ...link, remoteHost: '10.0.0.9' }, existing: crossed }).kind).toBe('refuse');
    expect(decideHandshake({ ...facts, handshake: { ...hs, addr: ['127.0.0.1', 2] }, existing: crossed }).kind).toBe('refuse');
    expect(decideHandshake({ ...facts, existing: { ...crossed, openedAt: now - 60_000 } }).kind).toBe('refuse');
    expect(decideHandshake({ ...facts, link: { ...link, openedAt: now - SIMULTANEOUS_CONNECT_MS - 1 }, existing: crossed }).kind).toBe('refuse');
    expect(decideHandshake({ ...facts, link: { ...link, openedAt: undefined }, existing: crossed }).kind).toBe('refuse');
    // Same direction is never a simultaneous connect.
    expect(decideHandshake({ ...facts, existing: { ...crossed, outgoing: false } }).kind).toBe('refuse');
  });
});
