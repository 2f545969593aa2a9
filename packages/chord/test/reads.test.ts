/**
 * get() over real TCP on loopback: a small ring is linked completely, so every retrieve goes
 * straight to the responsible node; a read asks three tables first and still returns the agreed
 * value when one of them is silent, answers nil or answers something else; retrievals forwarded
 * for others expire.
 */
import { describe, expect, it } from 'vitest';
import { base58EncodeInt, utf8Encode, type MetricsSnapshot } from '@p2p/base';
import type { MeshConnection } from '@p2p/mesh';
import { ChordSocket, HASH_METHODS, getHashes } from '@p2p/chord';
import { waitFor, type RawFrame, type RawPeer } from '@p2p/testnet';
import { keysWithRemoteTables, node, rawHandshake, rawPeer, ring, storingPairWhere } from './helpers';

const RETRIEVE = 12;
const RETRIEVED = 13;

function lookups(snaps: MetricsSnapshot[], origin: string, result: string): number {
  let sum = 0;
  for (const snap of snaps) {
    const metric = snap.metrics.find((m) => m.name === 'p2p_chord_lookups_total');
    if (metric && metric.kind !== 'histogram') sum += metric.series.find((s) => s.labels['origin'] === origin && s.labels['result'] === result)?.value ?? 0;
  }
  return sum;
}

/** Answers every retrieve the raw peer receives with `answer(slot)` (undefined: stays silent), until it closes. */
function serve(peer: RawPeer, answer: (slot: number) => unknown): { asked: number[] } {
  const asked: number[] = [];
  void (async () => {
    for (;;) {
      let f: RawFrame;
      try {
        f = await peer.nextWhere((x) => x.wire.payload[0] === RETRIEVE, 30_000);
      } catch {
        return;
      }
      const [, method, key] = f.wire.payload;
      const slot = HASH_METHODS.indexOf(Buffer.from(method as Uint8Array).toString() as never);
      asked.push(slot);
      const value = answer(slot);
      if (value !== undefined) peer.sendPayload(2, [RETRIEVED, method, key, value]);
    }
  })();
  return { asked };
}

/**
 * A leeching reader `a` linked to a storing socket `b` and to a raw peer that says it stores: a
 * key the raw peer is responsible for in exactly one of the first three tables (the other four
 * are b's), set through `a`, so b holds four replicas.
 */
async function oneOddTable(): Promise<{ a: ChordSocket; b: ChordSocket; peer: RawPeer; key: string; odd: number }> {
  // The two storing nodes' shares of the ring are random: when one is tiny, such a key is too
  // rare to search for, so a few fresh rings are tried (the searches are bounded, never a hang).
  for (let attempt = 0; attempt < 8; attempt++) {
    const found = await tryOddTable();
    if (found !== undefined) return found;
  }
  throw new Error('no key with exactly one odd table among the first three in 8 rings');
}

async function tryOddTable(): Promise<{ a: ChordSocket; b: ChordSocket; peer: RawPeer; key: string; odd: number } | undefined> {
  const a = await node({ hedgeDelay: 30 });
  const b = await node();
  b.join();
  await a.connect(...b.outAddr);
  const peer = await rawPeer(a);
  rawHandshake(peer, '0');
  await waitFor(() => a.storingPeers().length === 2);
  const conn = [...a.peers.values()].find((c) => c.peerId === peer.id) as MeshConnection;
  for (let i = 0; i < 20_000; i++) {
    const key = `odd-${i}`;
    const owners = getHashes(key).map((h) => a.find(h));
    const odd = owners.map((o, j) => (o === conn ? j : -1)).filter((j) => j >= 0);
    if (odd.length === 1 && odd[0]! < 3) {
      a.set(key, { n: i });
      await waitFor(() => b.storedEntries >= 4);
      return { a, b, peer, key, odd: odd[0]! };
    }
  }
  return undefined; // closed after the test with the others
}

describe('get() on real TCP', () => {
  it('an 8-node ring links completely: every retrieve reaches the responsible node directly, about three per get', { timeout: 60_000 }, async () => {
    const nodes = await ring(8);
    await waitFor(() => nodes.every((n) => n.peers.size === 7), { timeout: 20_000, message: 'the ring did not link completely' });
    const keys = Array.from({ length: 40 }, (_, i) => `full-${i}`);
    keys.forEach((k, i) => nodes[i % 8]!.set(k, i));
    await waitFor(() => nodes.reduce((s, n) => s + n.storedEntries, 0) === 5 * keys.length, { timeout: 10_000 });
    const before = nodes.map((n) => n.metrics());
    for (const [i, k] of keys.entries()) expect(await nodes[(i + 3) % 8]!.get(k)).toBe(i);
    const after = nodes.map((n) => n.metrics());
    const delta = (origin: string, result: string) => lookups(after, origin, result) - lookups(before, origin, result);
    // No retrieve was forwarded: each went to the node responsible for its table.
    expect(delta('peer', 'remote')).toBe(0);
    // py2p asks all five tables of every get; three agreeing answers are enough, and a node's own
    // tables cost no message. Hedges may add a few asks on a loaded machine.
    const own = delta('self', 'local') + delta('self', 'remote');
    expect(own).toBeGreaterThanOrEqual(3 * keys.length);
    expect(delta('self', 'remote') / keys.length).toBeLessThan(3.5);
  });

  it('a silent table among the first three is replaced by another: the agreed value is still read', { timeout: 30_000 }, async () => {
    const { a, peer, key, odd } = await oneOddTable();
    const served = serve(peer, () => undefined);
    expect(await a.get(key, undefined, { timeout: 5000 })).toEqual({ n: Number(key.slice(4)) });
    expect(served.asked).toContain(odd);
  });

  it('a nil from one of the first three asks the others, and they agree', { timeout: 30_000 }, async () => {
    const { a, peer, key, odd } = await oneOddTable();
    const served = serve(peer, () => null);
    expect(await a.get(key, undefined, { timeout: 5000 })).toEqual({ n: Number(key.slice(4)) });
    expect(served.asked).toContain(odd);
  });

  it('a disagreeing answer among the first three asks the others: the majority wins', { timeout: 30_000 }, async () => {
    const { a, peer, key, odd } = await oneOddTable();
    const served = serve(peer, () => 'something else');
    expect(await a.get(key, undefined, { timeout: 5000 })).toEqual({ n: Number(key.slice(4)) });
    expect(served.asked).toContain(odd);
  });

  it('hedgeDelay 0 asks all five tables at once, as py2p', { timeout: 30_000 }, async () => {
    // A key whose five tables are all the raw peer's: five retrieves before any answer. The
    // peer's share of the ring is random; when it is small such a key is too rare to search
    // for, so a few fresh pairs are tried (each search bounded).
    let a: ChordSocket | undefined;
    let peer: RawPeer | undefined;
    let key: string | undefined;
    for (let attempt = 0; attempt < 8 && key === undefined; attempt++) {
      a = await node({ hedgeDelay: 0 });
      a.join();
      peer = await rawPeer(a);
      rawHandshake(peer, '0');
      const reader = a;
      await waitFor(() => reader.storingPeers().length === 1);
      for (let i = 0; i < 20_000 && key === undefined; i++) if (getHashes(`all-${i}`).every((h) => reader.find(h) !== reader)) key = `all-${i}`;
    }
    if (a === undefined || peer === undefined || key === undefined) throw new Error('no key held wholly by the raw peer in 8 pairs');
    const served = serve(peer, () => null);
    const reading = a.get(key, 'fallback', { timeout: 150 });
    await waitFor(() => served.asked.length >= 5);
    expect(new Set(served.asked.slice(0, 5)).size).toBe(5);
    expect(await reading).toBe('fallback');
  });

  it('a retrieval forwarded for another node is forgotten after forwardTimeout', { timeout: 30_000 }, async () => {
    const a = await node({ forwardTimeout: 200 });
    a.join();
    const owner = await rawPeer(a);
    rawHandshake(owner, '0');
    const asker = await rawPeer(a);
    rawHandshake(asker, '1');
    await waitFor(() => a.storingPeers().length === 1);
    serve(owner, () => undefined);
    const conn = [...a.peers.values()].find((c) => c.peerId === owner.id);
    let slot = { method: 'sha1', k: 0n };
    for (let i = 0; ; i++) {
      const hashes = getHashes(`fwd-${i}`);
      const j = hashes.findIndex((h) => a.find(h) === conn);
      if (j >= 0) {
        slot = { method: HASH_METHODS[j]!, k: hashes[j]! };
        break;
      }
    }
    asker.sendPayload(2, [RETRIEVE, utf8Encode(slot.method), utf8Encode(base58EncodeInt(slot.k))]);
    // Forwarded to the raw owner (which never answers) and answered nil at once, as py2p.
    await asker.nextWhere((f) => f.wire.payload[0] === RETRIEVED && f.wire.payload[3] === null);
    expect(a.pendingLookups).toBe(1);
    await waitFor(() => a.pendingLookups === 0, { timeout: 5000, message: 'the forwarded retrieval was never forgotten' });
  });

  it('hedgeDelay must be a number of milliseconds or adaptive', async () => {
    await expect(async () => ChordSocket.listen({ hedgeDelay: -1 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(async () => ChordSocket.listen({ hedgeDelay: 'soon' as never })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });

  it('a read whose retrieve went out on a link that then closed asks again by the routes left, without waiting for its deadline', async () => {
    // A key with three tables at the peer (which never answers): its own two cannot decide it.
    const { a, peer, found: key } = await storingPairWhere((n) => keysWithRemoteTables(n, 'gone', 3, 1)[0]);
    const started = Date.now();
    const outcome = a.get(key, undefined, { timeout: 20_000 }).catch((e: unknown) => e);
    await waitFor(() => peer.frames.some((f) => f.wire.payload[0] === RETRIEVE));
    peer.close();
    // With the link gone every table is this node's own, and none holds the key.
    expect(await outcome).toMatchObject({ code: 'KEY_NOT_FOUND' });
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});
