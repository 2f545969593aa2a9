/** Pure pieces: de-duplication set, receive queue, conflict rule, payload parsers. */
import { describe, expect, it } from 'vitest';
import { utf8Encode } from '@p2p/base';
import { resolveConflict } from '../src/conflict';
import { decideHandshake } from '../src/handshake';
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

describe('decideHandshake (PROTOCOL.md 4.3, 4.5)', () => {
  const me = 'B'.repeat(60);
  const peer = 'C'.repeat(60);
  const hs = { id: peer, protocolId: 'p', addr: ['127.0.0.1', 1] as [string, number], compression: [] };
  const link = { peerId: undefined, outgoing: false, remoteHost: '127.0.0.1', filed: false };
  const facts = { myId: me, myProtocolId: 'p', handshake: hs, link, existing: undefined };
  it('covers every verdict', () => {
    expect(decideHandshake({ ...facts, handshake: 'invalid' })).toEqual({ kind: 'invalid' });
    expect(decideHandshake({ ...facts, handshake: { ...hs, protocolId: 'q' } })).toEqual({ kind: 'mismatch', theirs: 'q' });
    expect(decideHandshake({ ...facts, handshake: { ...hs, id: me } })).toEqual({ kind: 'self' });
    expect(decideHandshake(facts)).toEqual({ kind: 'accept', forget: undefined, isNew: true });
    // A repeated handshake on the same link is not a new peer.
    expect(decideHandshake({ ...facts, link: { ...link, peerId: peer, filed: true } })).toEqual({ kind: 'accept', forget: undefined, isNew: false });
    // The link now claims another id: the old one is forgotten.
    expect(decideHandshake({ ...facts, link: { ...link, peerId: 'D'.repeat(60), filed: true } })).toMatchObject({ kind: 'accept', forget: 'D'.repeat(60) });
    // Same direction, same host: the newer link replaces the stale one; another host loses (F1).
    expect(decideHandshake({ ...facts, existing: { outgoing: false, remoteHost: '127.0.0.1' } })).toEqual({ kind: 'replace', forget: undefined });
    expect(decideHandshake({ ...facts, existing: { outgoing: false, remoteHost: '10.0.0.9' } })).toEqual({ kind: 'lose', forget: undefined });
    // Opposite directions: the link dialed by the larger id survives, as resolveConflict says.
    const crossed = { ...facts, existing: { outgoing: true, remoteHost: '127.0.0.1' } };
    const expected = resolveConflict(me, peer, crossed.existing, link) === 'keep-incoming' ? 'replace' : 'lose';
    expect(decideHandshake(crossed).kind).toBe(expected);
  });
});
