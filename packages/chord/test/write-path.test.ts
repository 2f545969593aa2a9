/**
 * The write path on the wire, seen by hand-driven storing peers: a tick's stores go out ahead
 * of its key announcements; a received store's backup carries the ring key as this node writes
 * it; a tick's backup copies for one node travel as one `0x2b` message, and received ones are
 * filed; a repair pass a ring change triggered skips the entries its own sets stored since.
 */
import { describe, expect, it } from 'vitest';
import { base58EncodeInt, utf8Decode, utf8Encode, type P2PError, type WireMessage } from '@p2p/base';
import { waitFor, type RawPeer } from '@p2p/testnet';
import { HASH_METHODS, getHashes, type ChordSocket } from '@p2p/chord';
import { node, rawHandshake, rawPeer, storingPairWhere } from './helpers';

const STORE = 11;
const NOTIFY = 6;
const RETRIEVE = 12;
const BACKUP = 0x2f;
const BACKUP_BATCH = 0x2b;

const text = (v: unknown) => (v instanceof Uint8Array ? utf8Decode(v) : String(v));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function received(peer: RawPeer, from: number, sub: number): WireMessage[] {
  return peer.frames
    .slice(from)
    .map((f) => f.wire)
    .filter((w) => w.payload[0] === sub);
}

/** Every backup copy `peer` received since frame `from`, single (`0x2f`) or batched (`0x2b`), as [method, key, value]. */
function copies(peer: RawPeer, from: number): unknown[][] {
  return peer.frames.slice(from).flatMap(({ wire }) => {
    const sub = wire.payload[0];
    if (sub !== BACKUP && sub !== BACKUP_BATCH) return [];
    const out: unknown[][] = [];
    for (let i = 1; i + 2 < wire.payload.length; i += 3) out.push([text(wire.payload[i]), text(wire.payload[i + 1]), wire.payload[i + 2]]);
    return out;
  });
}

/** How many of the five slots of `key` `a` sends away. */
const remoteSlots = (a: ChordSocket, key: string) => getHashes(key).filter((h) => a.find(h) !== a).length;

/**
 * The first `count` keys `name-i` (of 5,000) with at least one slot `a` holds itself, or undefined
 * when fewer than `least` exist: a node's share of the ring is random, and a small one may hold
 * none of a handful of keys, which would leave a test about its own entries with nothing to see.
 */
function keysHeldBy(a: ChordSocket, name: string, count: number, least = count): string[] | undefined {
  const out: string[] = [];
  for (let i = 0; i < 5000 && out.length < count; i++) if (remoteSlots(a, `${name}-${i}`) < HASH_METHODS.length) out.push(`${name}-${i}`);
  return out.length >= least ? out : undefined;
}

/** A storing node `a` and one storing raw peer (its predecessor and successor). */
/** The first key `name(i)` (of 20,000) whose five tables are all this node's own. */
function localKey(a: ChordSocket, name: (i: number) => string): string | undefined {
  for (let i = 0; i < 20_000; i++) if (remoteSlots(a, name(i)) === 0) return name(i);
  return undefined;
}

/**
 * A pair whose node holds whole keys of both name shapes. Its share of the ring is random, and
 * when small such keys are too rare to search for, so a few fresh pairs are tried.
 */
async function pairWithLocalKeys(options: object, names: Array<(i: number) => string>): Promise<{ a: ChordSocket; peer: RawPeer; keys: string[] }> {
  for (let attempt = 0; attempt < 8; attempt++) {
    const { a, peer } = await pair(options);
    const keys = names.map((name) => localKey(a, name));
    if (keys.every((k) => k !== undefined)) return { a, peer, keys: keys as string[] };
  }
  throw new Error('no pair held whole keys in 8 tries');
}

async function pair(options = {}): Promise<{ a: ChordSocket; peer: RawPeer }> {
  const a = await node({ republishDelay: 60_000, ...options });
  a.join();
  const peer = await rawPeer(a);
  rawHandshake(peer, '0');
  await waitFor(() => a.storingPeers().length === 1);
  return { a, peer };
}

describe('chord write path', () => {
  it("a tick's stores go out ahead of its notify broadcasts, which keep the order of the calls", async () => {
    const { a, peer } = await pair();
    const before = peer.frames.length;
    const keys = Array.from({ length: 40 }, (_, i) => `tick-${i}`);
    for (const k of keys) a.set(k, k);
    a.set('brief', 1);
    a.delete('brief');
    const stores = keys.reduce((s, k) => s + remoteSlots(a, k), 0) + 2 * remoteSlots(a, 'brief');
    await waitFor(() => received(peer, before, NOTIFY).length === keys.length + 2 && received(peer, before, STORE).length === stores);
    const order = peer.frames.slice(before).map((f) => f.wire.payload[0]);
    expect(order.lastIndexOf(STORE)).toBeLessThan(order.indexOf(NOTIFY));
    const notices = received(peer, before, NOTIFY).map((w) => [text(w.payload[1]), w.payload.length]);
    expect(notices).toEqual([...keys.map((k) => [k, 2]), ['brief', 2], ['brief', 3]]);
    expect(received(peer, before, NOTIFY).every((w) => w.type === 0)).toBe(true);
  });

  it('a notify that cannot go out at the end of the tick (write budget full) is an error event; set() returned, later ones go out', async () => {
    // Both keys are stored whole on this node, so what a set queues does not depend on the random
    // ids: five backup copies for the one peer (about 520 bytes) and the notify. The budget has
    // room for that with a short key, not with the notify of a 2,000-byte key.
    const { a, peer, keys } = await pairWithLocalKeys({ limits: { maxNodeWriteBytes: 1500 } }, [(i) => `${i}-${'k'.repeat(2000)}`, (i) => `after-${i}`]);
    const [long, after] = keys as [string, string];
    const errors: P2PError[] = [];
    a.on('error', (e) => errors.push(e));
    const before = peer.frames.length;
    expect(() => a.set(long, 'v')).not.toThrow();
    await waitFor(() => errors.length === 1);
    expect(errors[0]!.code).toBe('LIMIT_EXCEEDED');
    a.set(after, 'v');
    await waitFor(() => received(peer, before, NOTIFY).some((w) => text(w.payload[1]) === after));
    expect(received(peer, before, NOTIFY)).toHaveLength(1);
    expect(errors).toHaveLength(1);
  });

  it('the backup of a received store names the ring key as this node writes it, whichever base58 form came in', async () => {
    const { a, peer } = await pair();
    let key = '';
    for (let i = 0; ; i++) {
      key = `held-${i}`;
      if (getHashes(key).filter((h) => a.find(h) === a).length >= 2) break;
    }
    const [first, second] = HASH_METHODS.map((m, i) => [m, getHashes(key)[i]!] as const).filter(([, h]) => a.find(h) === a);
    const before = peer.frames.length;
    // The canonical form, and one with a leading zero digit ("1"), which names the same integer.
    peer.sendPayload(2, [STORE, utf8Encode(first![0]), utf8Encode(base58EncodeInt(first![1])), 'one']);
    peer.sendPayload(2, [STORE, utf8Encode(second![0]), utf8Encode(`1${base58EncodeInt(second![1])}`), 'two']);
    await waitFor(() => copies(peer, before).length === 2);
    expect(a.storedEntries).toBe(2);
    expect(copies(peer, before)).toEqual([
      [first![0], base58EncodeInt(first![1]), 'one'],
      [second![0], base58EncodeInt(second![1]), 'two'],
    ]);
  });

  it("a tick's backup copies for one node travel as one 0x2b message", async () => {
    const { a, peer, found: keys } = await storingPairWhere((n) => keysHeldBy(n, 'batch', 60), { republishDelay: 60_000 });
    const before = peer.frames.length;
    for (const k of keys) a.set(k, { k });
    const local = keys.flatMap((k) => HASH_METHODS.flatMap((m, i) => (a.find(getHashes(k)[i]!) === a ? [[m, base58EncodeInt(getHashes(k)[i]!), k]] : [])));
    expect(local.length).toBeGreaterThanOrEqual(keys.length);
    await waitFor(() => copies(peer, before).length === local.length);
    expect(received(peer, before, BACKUP_BATCH)).toHaveLength(1);
    expect(received(peer, before, BACKUP)).toHaveLength(0);
    expect(copies(peer, before).map(([m, key, v]) => [m, key, (v as { k: string }).k])).toEqual(local);
  });

  it('a received 0x2b batch files every copy; a bad copy in it is reported, a malformed batch drops the link', async () => {
    const { a, peer } = await pair();
    const errors: P2PError[] = [];
    a.on('error', (e) => errors.push(e));
    const [h1, h2] = [getHashes('copy-1')[0]!, getHashes('copy-2')[4]!];
    peer.sendPayload(2, [
      BACKUP_BATCH,
      utf8Encode('sha1'), utf8Encode(base58EncodeInt(h1)), 'one',
      utf8Encode('md5'), utf8Encode('2UA1'), 'unknown method',
      utf8Encode('sha512'), utf8Encode(base58EncodeInt(h2)), { two: 2 },
    ]);
    await waitFor(() => a.backupEntries === 2);
    expect(errors.map((e) => e.code)).toEqual(['BAD_MESSAGE']);
    expect(a.peers.size).toBe(1);
    peer.sendPayload(2, [BACKUP_BATCH, utf8Encode('sha1'), utf8Encode(base58EncodeInt(h1))]);
    await peer.closed;
    await waitFor(() => a.peers.size === 0);
    expect(errors.map((e) => e.code)).toEqual(['BAD_MESSAGE', 'BAD_MESSAGE']);
    expect(a.backupEntries).toBe(2);
  });

  it('a repair pass a ring change triggered checks the siblings of entries held before the change, not of those its own sets stored since; the periodic pass checks those', async () => {
    // The periodic pass is far enough off that a loaded machine still sees the triggered pass first.
    // Entries this node holds itself, old and fresh: its share of the ring is random, and the
    // second peer shrinks it, so the keys are picked from those it holds at the time of the sets.
    const { a, peer, found: old } = await storingPairWhere((n) => keysHeldBy(n, 'old', 30), { republishDelay: 100, republishInterval: 8000 });
    const started = Date.now();
    await sleep(300); // the pass the peer's arrival triggered has run, with nothing held yet
    for (const k of old) a.set(k, k);
    const other = await rawPeer(a);
    rawHandshake(other, '0');
    await waitFor(() => a.storingPeers().length === 2);
    const fresh = keysHeldBy(a, 'fresh', 30, 1);
    if (fresh === undefined) throw new Error('this node holds none of 5,000 fresh keys');
    for (const k of fresh) a.set(k, k);
    const asked = (): Set<string> =>
      new Set([...received(peer, 0, RETRIEVE), ...received(other, 0, RETRIEVE)].map((w) => `${text(w.payload[1])}|${text(w.payload[2])}`));
    const probed = (k: string, seen: Set<string>) => getHashes(k).some((h, i) => seen.has(`${HASH_METHODS[i]}|${base58EncodeInt(h)}`));
    // A pass is synchronous: once one sibling of an old entry is asked for, all of that pass's retrieves are out.
    await waitFor(() => old.some((k) => probed(k, asked())), { timeout: 7000 });
    await sleep(200);
    expect(Date.now() - started).toBeLessThan(7500); // still before the first periodic pass
    expect(fresh.filter((k) => probed(k, asked()))).toEqual([]);
    // The periodic pass (not triggered by a change) checks them like any other entry.
    await waitFor(() => fresh.some((k) => probed(k, asked())), { timeout: 15_000 });
  }, 30_000);
});
