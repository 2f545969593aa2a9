import { describe, expect, it } from 'vitest';
import { eventually, waitFor } from '@p2p/testnet';
import { ChordSocket, getHashes } from '@p2p/chord';
import { FAST, node, ring, settled, track } from './helpers';

const pick = <T>(xs: T[], i: number): T => xs[i % xs.length]!;

describe.each([1, 2, 5, 8])('a ring of %i node(s)', (count) => {
  it('set anywhere, get anywhere; update; delete', async () => {
    const nodes = await ring(count);
    const keys = Array.from({ length: 12 }, (_, i) => `key-${count}-${i}`);
    keys.forEach((k, i) => pick(nodes, i).set(k, { n: i, text: `value ${i}` }));
    for (const [i, k] of keys.entries()) {
      for (const n of nodes) expect(await n.get(k, undefined, { timeout: 5000 })).toEqual({ n: i, text: `value ${i}` });
    }
    // Every node heard of every key (notify broadcasts).
    await waitFor(() => nodes.every((n) => [...n.keys()].length === keys.length));

    pick(nodes, 1).update([[keys[0]!, 'changed'], [keys[1]!, new Uint8Array([1, 2, 3])]]);
    // Writes are fire-and-forget whispers: a read racing them may still see the old value.
    for (const n of nodes) {
      await eventually(async () => expect(await n.get(keys[0]!)).toBe('changed'));
      await eventually(async () => expect(await n.get(keys[1]!)).toEqual(new Uint8Array([1, 2, 3])));
    }

    const deleted = new Promise<Uint8Array>((resolve) => pick(nodes, count - 1).once('delete', ({ key }) => resolve(key)));
    pick(nodes, 2).delete(keys[2]!);
    expect(new TextDecoder().decode(await deleted)).toBe(keys[2]);
    for (const n of nodes) {
      await eventually(async () => expect(await n.get(keys[2]!, 'gone', { timeout: 300 })).toBe('gone'));
      expect([...n.keys()].map((k) => new TextDecoder().decode(k))).not.toContain(keys[2]);
    }
    // Five replicas in total, one per table.
    const total = nodes.reduce((s, n) => s + n.storedEntries, 0);
    expect(total).toBe((keys.length - 1) * 5);
  });
});

describe('join and unjoin', () => {
  it('a joining node takes over the entries it is now responsible for', async () => {
    const nodes = await ring(4);
    const keys = Array.from({ length: 40 }, (_, i) => `join-${i}`);
    keys.forEach((k, i) => pick(nodes, i).set(k, i));
    const newcomer = track(await ChordSocket.listen(FAST));
    await newcomer.connect(...nodes[0]!.outAddr);
    newcomer.join();
    await settled([...nodes, newcomer]);
    // Entries the newcomer is responsible for: every other node routes there, and it holds them.
    const mine = keys.flatMap((k) => getHashes(k)).filter((h) => newcomer.find(h) === newcomer).length;
    expect(mine).toBeGreaterThan(0);
    await waitFor(() => newcomer.storedEntries === mine, { timeout: 5000 });
    const total = () => [...nodes, newcomer].reduce((s, n) => s + n.storedEntries, 0);
    await waitFor(() => total() === keys.length * 5, { message: `replica count ${total()}` });
    for (const [i, k] of keys.entries()) expect(await pick(nodes, i).get(k)).toBe(i);
    for (const [i, k] of keys.entries()) expect(await newcomer.get(k)).toBe(i);
  });

  it('an unjoining node hands its entries over and keeps serving reads as a leecher', async () => {
    const nodes = await ring(5);
    const keys = Array.from({ length: 40 }, (_, i) => `unjoin-${i}`);
    keys.forEach((k, i) => pick(nodes, i).set(k, `v${i}`));
    const leaver = nodes[2]!;
    await waitFor(() => leaver.storedEntries > 0);
    await leaver.unjoin();
    expect(leaver.isStoring).toBe(false);
    expect(leaver.storedEntries).toBe(0);
    const rest = nodes.filter((n) => n !== leaver);
    await waitFor(() => rest.reduce((s, n) => s + n.storedEntries, 0) === keys.length * 5);
    await waitFor(() => rest.every((n) => n.storingPeers().every((c) => c.peerId !== leaver.id)));
    for (const [i, k] of keys.entries()) expect(await pick(rest, i).get(k)).toBe(`v${i}`);
    for (const [i, k] of keys.entries()) expect(await leaver.get(k)).toBe(`v${i}`);
  });

  it('unjoin with no storing peer keeps the data', async () => {
    const a = await node();
    a.join();
    a.set('alone', 1);
    await a.unjoin();
    expect(a.storedEntries).toBe(5);
    expect(await a.get('alone')).toBe(1);
  });
});

describe('single-node behaviour', () => {
  it('rejects KEY_NOT_FOUND at once for an absent key with all tables local, TIMEOUT/fallback semantics', async () => {
    const a = await node();
    a.join();
    await expect(a.get('nothing')).rejects.toMatchObject({ code: 'KEY_NOT_FOUND' });
    expect(await a.get('nothing', 42)).toBe(42);
    expect(() => a.delete('nothing')).toThrow(expect.objectContaining({ code: 'KEY_NOT_FOUND' }));
    expect(() => a.set('bad', () => 1)).toThrow(expect.objectContaining({ code: 'ENCODE_ERROR' }));
    expect(a.storedEntries).toBe(0);
    const ctl = new AbortController();
    ctl.abort();
    await expect(a.get('x', 1, { signal: ctl.signal })).rejects.toMatchObject({ code: 'ABORTED' });
  });

  it('applyDelta merges maps, announces new keys, and refuses non-maps', async () => {
    const [a, b] = await ring(2);
    const added = new Promise<Uint8Array>((resolve) => b!.once('add', ({ key }) => resolve(key)));
    expect(await a!.applyDelta('m', { x: 1 }, { timeout: 300 })).toEqual({ x: 1 });
    expect(new TextDecoder().decode(await added)).toBe('m');
    expect(await b!.apply_delta('m', { y: 2 })).toEqual({ x: 1, y: 2 });
    await eventually(async () => expect(await a!.get('m')).toEqual({ x: 1, y: 2 }));
    a!.set('s', 'text');
    await expect(a!.applyDelta('s', { x: 1 })).rejects.toMatchObject({ code: 'NOT_A_MAPPING' });
    await expect(a!.applyDelta('s', 5 as never)).rejects.toMatchObject({ code: 'NOT_A_MAPPING' });
  });

  it("an add event's key is a copy, on the writer and on a peer that heard the notify: changing it changes no registry", async () => {
    const [a, b] = await ring(2);
    const heard: Uint8Array[] = [];
    for (const n of [a!, b!]) n.on('add', ({ key }) => heard.push(key));
    a!.set('own', 1);
    await waitFor(() => heard.length === 2);
    expect(heard[0]).not.toBe(heard[1]);
    for (const key of heard) key.fill(0);
    for (const n of [a!, b!]) expect([...n.keys()].map((k) => new TextDecoder().decode(k))).toEqual(['own']);
  });

  it('pop, popItem, entries, copy and the py2p aliases', async () => {
    const [a, b] = await ring(2);
    a!.set('one', 1);
    a!.set('two', 2);
    await waitFor(() => [...b!.keys()].length === 2);
    const copy = await b!.copy();
    expect([...copy.values()].sort()).toEqual([1, 2]);
    const items: unknown[] = [];
    for await (const [, v] of b!.items()) items.push(v);
    expect(items.sort()).toEqual([1, 2]);
    expect(await b!.pop('one')).toBe(1);
    await waitFor(() => [...a!.keys()].length === 1);
    expect(await a!.popitem()).toEqual([new TextEncoder().encode('two'), 2]);
    expect(await a!.popItem({ timeout: 200 })).toBeUndefined();
    expect(a!.next).toBe(a!.predecessor);
    expect(a!.prev).toBe(a!.successor);
    expect(a!.find_prev(a!.idInt)).toBe(a!.findPrev(a!.idInt));
  });

  it('the k option is accepted, ignored and warned about', async () => {
    const warnings: string[] = [];
    const logger = { debug() {}, info() {}, warn: (m: string) => warnings.push(m), error() {} };
    const a = await node({ k: 4, logger } as never);
    expect(a.protocol.id).toBe('7vVFRufXm7t4vppy5LoCeXJznBnahNRjnmsRkbVYet5z');
    expect(warnings.join(' ')).toMatch(/'k'/);
  });
});
