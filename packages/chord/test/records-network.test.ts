import { describe, expect, it } from 'vitest';
import { eventually } from '@p2p/testnet';
import { ChordSocket, distance } from '@p2p/chord';
import { kill, node, ring, settled, track } from './helpers';
import { AUTH, errorsOf, refusedOn } from './records-helpers';

describe('signed records over TCP (authenticated subnet)', () => {
  it('the owner puts, every other node reads it by id or by public key; updates raise seq and every reader gets the newest', async () => {
    const nodes = await ring(3, { protocol: AUTH });
    const [a, b, c] = nodes as [ChordSocket, ChordSocket, ChordSocket];
    const errors = errorsOf(nodes);

    expect(await a.records.put('profile', { text: 'v1' })).toEqual({ seq: 1 });
    for (const reader of [b, c]) {
      await eventually(async () => {
        const got = await reader.records.get(a.id, 'profile', { timeout: 3000 });
        expect(got).toMatchObject({ value: { text: 'v1' }, seq: 1, owner: a.id });
        expect(got.publicKey).toEqual(a.identity!.publicKey);
      });
    }
    expect((await c.records.get(a.identity!.publicKey, 'profile')).value).toEqual({ text: 'v1' });

    expect(await a.records.put('profile', { text: 'v2' })).toEqual({ seq: 2 });
    expect(await a.records.put('profile', { text: 'v3' })).toEqual({ seq: 3 });
    for (const reader of [a, b, c]) {
      await eventually(async () => expect(await reader.records.get(a.id, 'profile', { timeout: 3000 })).toMatchObject({ value: { text: 'v3' }, seq: 3 }));
    }
    // Another owner's record of the same name is another record.
    expect(await b.records.put('profile', 'bee')).toEqual({ seq: 1 });
    await eventually(async () => expect((await c.records.get(b.id, 'profile', { timeout: 3000 })).value).toBe('bee'));
    expect((await c.records.get(a.id, 'profile')).seq).toBe(3);

    // Honest traffic refuses nothing.
    expect(refusedOn(nodes)).toBe(0);
    expect(errors.map((e) => e.code)).toEqual([]);
  });

  it('an explicit seq jumps ahead; one not above the last known is RECORD_STALE; bad arguments are INVALID_ARGUMENT', async () => {
    const [a, b] = (await ring(2, { protocol: AUTH })) as [ChordSocket, ChordSocket];
    expect(await a.records.put('n', 1, { seq: 10 })).toEqual({ seq: 10 });
    expect(await a.records.put('n', 2)).toEqual({ seq: 11 });
    await expect(a.records.put('n', 3, { seq: 11 })).rejects.toMatchObject({ code: 'RECORD_STALE' });
    await expect(a.records.put('n', 3, { seq: 0 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(a.records.put('n', 3, { seq: 1.5 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(a.records.put('x'.repeat(257), 3)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(a.records.put('n', new Uint8Array(17 * 1024 * 1024))).rejects.toMatchObject({ code: 'FRAME_TOO_LARGE' });
    await expect(b.records.get('not base58 0OIl', 'n')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await eventually(async () => expect((await b.records.get(a.id, 'n', { timeout: 3000 })).seq).toBe(11));
  });

  it('puts without a known seq read the network first: concurrent puts get distinct, increasing seqs', async () => {
    const [a, b] = (await ring(2, { protocol: AUTH })) as [ChordSocket, ChordSocket];
    const seqs = await Promise.all([a.records.put('c', 'x'), a.records.put('c', 'y'), a.records.put('c', 'z')]);
    expect(seqs.map((s) => s.seq)).toEqual([1, 2, 3]);
    await eventually(async () => expect(await b.records.get(a.id, 'c', { timeout: 3000 })).toMatchObject({ value: 'z', seq: 3 }));
  });

  it('a missing record is KEY_NOT_FOUND well before the timeout (tables that answer only nil count as empty)', async () => {
    const [a, b] = (await ring(2, { protocol: AUTH })) as [ChordSocket, ChordSocket];
    const started = Date.now();
    await expect(b.records.get(a.id, 'never written', { timeout: 20_000 })).rejects.toMatchObject({ code: 'KEY_NOT_FOUND' });
    expect(Date.now() - started).toBeLessThan(15_000);
    await expect(b.records.get(a.id, 'never written', { signal: AbortSignal.abort() })).rejects.toMatchObject({ code: 'ABORTED' });
    // A leecher's read is all remote, so it is still waiting when the signal fires.
    const lone = track(await ChordSocket.listen({ protocol: AUTH, handoffOnClose: false }));
    await lone.connect(...a.outAddr);
    await eventually(() => expect(lone.storingPeers().length).toBeGreaterThanOrEqual(1));
    const controller = new AbortController();
    const read = lone.records.get(a.id, 'never written', { signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    await expect(read).rejects.toMatchObject({ code: 'ABORTED' });
  });

  it('plain set/get keep working in an authenticated subnet (no ownership), next to records', async () => {
    const [a, b, c] = (await ring(3, { protocol: AUTH })) as [ChordSocket, ChordSocket, ChordSocket];
    a.set('plain', { any: 'writer' });
    await a.get('plain');
    expect(await b.get('plain')).toEqual({ any: 'writer' });
    // Anyone may overwrite a plain key: per-message authentication, no ownership.
    c.set('plain', 'overwritten by c');
    await eventually(async () => expect(await b.get('plain', undefined, { timeout: 2000 })).toBe('overwritten by c'));
    await a.records.put('plain', 'a record named like a key');
    expect(await b.get('plain')).toBe('overwritten by c');
    await eventually(async () => expect((await b.records.get(a.id, 'plain', { timeout: 3000 })).value).toBe('a record named like a key'));
  });

  it('outside an authenticated subnet records throw INVALID_ARGUMENT', async () => {
    const plain = await node();
    await expect(plain.records.put('n', 1)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(plain.records.get(plain.id, 'n')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });

  it('a pending record read rejects with CLOSED when its node closes', async () => {
    const [a] = (await ring(2, { protocol: AUTH })) as [ChordSocket, ChordSocket];
    const lone = track(await ChordSocket.listen({ protocol: AUTH, handoffOnClose: false }));
    await lone.connect(...a.outAddr);
    const read = lone.records.get(a.id, 'pending', { timeout: 20_000 });
    await lone.close();
    await expect(read).rejects.toMatchObject({ code: 'CLOSED' });
  });

  it('records survive the loss of a node that held replicas (backups and repair, as for any value)', async () => {
    const nodes = await ring(5, { protocol: AUTH });
    // A node is responsible for the arc from its id to the next one: the owner is the node of the
    // smallest arc, so the five slots of its record are not all its own (with random ids the
    // largest arc can be half the ring, and then all five land on its node one time in 32).
    const byId = [...nodes].sort((x, y) => (x.idInt < y.idInt ? -1 : 1));
    const arcs = byId.map((n, i) => distance(n.idInt, byId[(i + 1) % byId.length]!.idInt));
    const owner = byId[arcs.reduce((best, a, i) => (a < arcs[best]! ? i : best), 0)]!;
    await owner.records.put('durable', { v: 1 });
    await owner.records.put('durable', { v: 2 });
    for (const n of nodes) await eventually(async () => expect((await n.records.get(owner.id, 'durable', { timeout: 3000 })).seq).toBe(2));
    // Lose the storing node (not the owner) that holds the most entries.
    const victim = nodes.filter((n) => n !== owner).sort((x, y) => y.storedEntries - x.storedEntries)[0]!;
    expect(victim.storedEntries).toBeGreaterThan(0);
    await kill(victim);
    const live = nodes.filter((n) => n !== victim);
    await settled(live);
    for (const n of live) await eventually(async () => expect(await n.records.get(owner.id, 'durable', { timeout: 3000 })).toMatchObject({ value: { v: 2 }, seq: 2 }), { timeout: 15_000 });
    // Replica repair restored all five slots among the survivors.
    await eventually(() => expect(live.reduce((sum, n) => sum + n.storedEntries, 0)).toBeGreaterThanOrEqual(5), { timeout: 15_000 });
    // The owner keeps updating after the loss.
    expect(await owner.records.put('durable', { v: 3 })).toEqual({ seq: 3 });
    for (const n of live) await eventually(async () => expect((await n.records.get(owner.id, 'durable', { timeout: 3000 })).seq).toBe(3));
    expect(refusedOn(live, { reason: 'signature' }) + refusedOn(live, { reason: 'location' })).toBe(0);
  });
});
