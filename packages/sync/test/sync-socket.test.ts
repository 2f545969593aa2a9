/** Real TCP networks of sync nodes on 127.0.0.1: replication, leases, API surface. */
import { describe, expect, it } from 'vitest';
import { MainFlags, Protocol, SubFlags, isP2PError, utf8Encode, type P2PError } from '@p2p/base';
import { eventually, startTestnet, waitFor } from '@p2p/testnet';
import { SyncSocket, type SyncSocketOptions, type SyncUpdate } from '@p2p/sync';
import { fixture, nextError, nextWire, RawPeer, syncNode, testClock, text, track } from './helpers';

async function trio(options: (i: number) => SyncSocketOptions = () => ({})) {
  // No dials from peer exchange: the line stays a line (tests below count what b relays).
  const net = track(
    await startTestnet({
      count: 3,
      topology: 'line',
      start: (i) => SyncSocket.listen({ ...options(i), limits: { maxPeersPerList: 0, ...options(i).limits } }),
    }),
  );
  await waitFor(() => net.nodes.every((n) => n.peers.size >= 1) && net.nodes[1]!.peers.size === 2);
  return net.nodes as [SyncSocket, SyncSocket, SyncSocket];
}

const codeOf = (fn: () => unknown): string | undefined => {
  try {
    fn();
  } catch (err) {
    return isP2PError(err) ? err.code : `not a P2PError: ${String(err)}`;
  }
  return undefined;
};

describe('protocol id (PROTOCOL.md 5.1)', () => {
  const vectors = fixture('protocol-id-sync.json');
  const idOf = (subnet: string, encryption: string) =>
    vectors.cases.find((c: any) => c.subnet === subnet && c.encryption === encryption).id as string;

  it('appends "1" with leasing (default) and "0" without, to the default or a given subnet', async () => {
    expect(SyncSocket.defaultProtocol.subnet).toBe(vectors.default_subnets.sync);
    const leased = await syncNode();
    expect(leased.protocol.subnet).toBe(vectors.sync_effective_subnet.leasing_true);
    expect(leased.protocol.id).toBe(idOf('sync1', 'Plaintext'));
    expect(leased.leasing).toBe(true);
    const free = await syncNode({ leasing: false });
    expect(free.protocol.subnet).toBe(vectors.sync_effective_subnet.leasing_false);
    expect(free.protocol.id).toBe(idOf('sync0', 'Plaintext'));
    const custom = await syncNode({ protocol: new Protocol('app', 'Plaintext'), leasing: false });
    expect(custom.protocol.subnet).toBe('app0');
    // Leasing and non-leasing nodes reject each other at the handshake.
    const mismatch = nextError(leased, 'PROTOCOL_MISMATCH');
    await expect(free.connect(...leased.outAddr, { timeout: 2000 })).rejects.toMatchObject({ code: 'PROTOCOL_MISMATCH' });
    await mismatch;
  });
});

describe('three nodes in a line', () => {
  it('set, update, delete and deltas reach every node, with events and metadata', async () => {
    const [a, b, c] = await trio();
    const updates: SyncUpdate[] = [];
    const deletes: string[] = [];
    c.on('update', (u) => updates.push(u));
    c.on('delete', ({ key }) => deletes.push(text(key)));

    a.set('k', 'v');
    a.set(utf8Encode('bin'), new Uint8Array([1, 2, 3]));
    await eventually(() => {
      for (const n of [a, b, c]) {
        expect(n.get('k')).toBe('v');
        expect(n.get('bin')).toEqual(new Uint8Array([1, 2, 3]));
      }
    });
    const meta = a.getMeta('k')!;
    expect(meta.owner).toBe(a.id);
    expect(b.getMeta('k')).toEqual(meta);
    expect(c.getMeta('k')).toEqual(meta);
    expect(updates[0]).toMatchObject({ value: 'v', meta });
    expect(text(updates[0]!.key)).toBe('k');

    c.update({ one: 1, two: [2, { deep: true }] });
    c.update(new Map([['three', 3]]));
    c.update([[utf8Encode('four'), 4.5]]);
    await eventually(() => {
      for (const n of [a, b, c]) expect([n.get('one'), n.get('two'), n.get('three'), n.get('four'), n.size]).toEqual([1, [2, { deep: true }], 3, 4.5, 6]);
    });

    b.applyDelta('map', { x: 1 });
    b.apply_delta('map', new Map([['y', 2]]));
    await eventually(() => {
      for (const n of [a, b, c]) expect(n.get('map')).toEqual({ x: 1, y: 2 });
    });
    expect(updates.at(-1)).toMatchObject({ value: { x: 1, y: 2 } });

    a.delete('k');
    c.del('one');
    await eventually(() => {
      for (const n of [a, b, c]) expect([n.has('k'), n.has('one'), n.size]).toEqual([false, false, 5]);
    });
    expect(deletes.sort()).toEqual(['k', 'one']);
    for (const n of [a, b, c]) expect(n.status).toBe('Nominal');
  });

  it('a lease refuses other writers (LEASE_HELD, nothing sent) and lets the owner write again', async () => {
    // c runs 2 s ahead: never the same second as a (rule 5 would let a smaller id take over).
    const [a, b, c] = await trio((i) => ({ clock: testClock(i === 2 ? 2000 : 0) }));
    a.set('leased', 1);
    await waitFor(() => c.get('leased') === 1);
    const seenByA: unknown[] = [];
    a.on('update', (u) => seenByA.push(u.value));
    const sentBefore = [...b.peers.values()].map((p) => p.bytesSent);
    expect(codeOf(() => c.set('leased', 2))).toBe('LEASE_HELD');
    expect(codeOf(() => c.delete('leased'))).toBe('LEASE_HELD');
    expect(codeOf(() => c.applyDelta('leased', { x: 1 }))).toBe('NOT_A_MAPPING');
    expect(codeOf(() => c.update({ free: 1, leased: 3 }))).toBe('LEASE_HELD');
    expect(c.has('free')).toBe(false); // update checks everything first
    expect(c.get('leased')).toBe(1);
    a.set('leased', 5); // the owner renews
    await eventually(() => {
      for (const n of [a, b, c]) expect(n.get('leased')).toBe(5);
    });
    expect(seenByA).toEqual([5]);
    // c sent nothing: b relayed only a's write.
    expect([...b.peers.values()].map((p) => p.bytesSent).reduce((x, y) => x + y)).toBeGreaterThan(sentBefore.reduce((x, y) => x + y));
    expect(c.getMeta('leased')!.owner).toBe(a.id);
    const lease = (() => {
      try {
        c.set('leased', 9);
      } catch (err) {
        return err as P2PError;
      }
    })()!;
    expect(lease.name).toBe('LeaseHeldError');
    expect(lease.details).toMatchObject({ owner: a.id });

    a.applyDelta('m', { k: 1 });
    await waitFor(() => c.has('m'));
    expect(codeOf(() => c.applyDelta('m', { k: 2 }))).toBe('LEASE_HELD');
  });

  it('leasing off: the last writer wins, deltas from anyone merge', async () => {
    const clocks = [testClock(), testClock(2000), testClock(4000)];
    const [a, b, c] = await trio((i) => ({ leasing: false, clock: clocks[i] }));
    a.set('x', 1);
    await waitFor(() => c.get('x') === 1);
    b.set('x', 2);
    await eventually(() => {
      for (const n of [a, b, c]) expect(n.get('x')).toBe(2);
    });
    c.delete('x');
    await eventually(() => {
      for (const n of [a, b, c]) expect(n.has('x')).toBe(false);
    });
    a.applyDelta('m', { a: 1 });
    await waitFor(() => c.has('m'));
    c.applyDelta('m', { c: 3 });
    b.applyDelta('m', { b: 2 });
    await eventually(() => {
      for (const n of [a, b, c]) expect(n.get('m')).toEqual({ a: 1, c: 3, b: 2 });
    });
  });

  it('a late joiner receives the whole dictionary with its metadata', async () => {
    const [a, b, c] = await trio();
    for (let i = 0; i < 50; i++) [a, b, c][i % 3]!.set(`key${i}`, { i });
    a.applyDelta('delta-made', { made: 'by delta' });
    await waitFor(() => c.size === 51 && a.size === 51);
    const late = await syncNode();
    await late.connect(...c.outAddr);
    await waitFor(() => late.size === 51);
    for (const [key, value] of a.entries()) {
      expect(late.get(key)).toEqual(value);
      expect(late.getMeta(key)).toEqual(a.getMeta(key));
    }
    expect(late.get('delta-made')).toEqual({ made: 'by delta' });
  });

  it('the same-second tie goes to the byte-wise smaller owner on every node', async () => {
    const clock = testClock();
    const [a, b, c] = await trio(() => ({ clock }));
    clock.freeze(Math.floor(Date.now() / 1000) * 1000 + 500);
    // Both write in the same tick, before either hears of the other.
    a.set('tie', 'from a');
    c.set('tie', 'from c');
    const winner = a.id < c.id ? 'from a' : 'from c';
    await eventually(() => {
      for (const n of [a, b, c]) expect(n.get('tie')).toBe(winner);
    });
    expect(b.getMeta('tie')!.owner).toBe(a.id < c.id ? a.id : c.id);
  });
});

describe('keys, values and the dictionary API', () => {
  it("'测试' and its UTF-8 bytes are the same key, locally and remotely", async () => {
    const a = await syncNode();
    const b = await syncNode({ clock: testClock(2000) });
    await b.connect(...a.outAddr);
    const utf8 = new Uint8Array([0xe6, 0xb5, 0x8b, 0xe8, 0xaf, 0x95]);
    a.set('测试', 'text key');
    expect(a.get(utf8)).toBe('text key');
    await waitFor(() => b.has(utf8));
    expect(b.get('测试')).toBe('text key');
    // b is not the owner: refused under either spelling.
    expect(codeOf(() => b.set(Buffer.from(utf8), 'other'))).toBe('LEASE_HELD');
    a.set(utf8, 'by bytes');
    await waitFor(() => b.get('测试') === 'by bytes');
    expect(b.size).toBe(1);
    a.delete('测试');
    await waitFor(() => b.size === 0);
  }, 10_000);

  it('reads, pop, popItem, copy, iteration and errors', async () => {
    const a = await syncNode();
    expect(a.get('missing')).toBeUndefined();
    expect(a.get('missing', 'fallback')).toBe('fallback');
    expect(codeOf(() => a.getOrThrow('missing'))).toBe('KEY_NOT_FOUND');
    expect(codeOf(() => a.delete('missing'))).toBe('KEY_NOT_FOUND');
    expect(codeOf(() => a.pop('missing'))).toBe('KEY_NOT_FOUND');
    expect(a.pop('missing', 7)).toBe(7);
    expect(a.pop('missing', undefined)).toBeUndefined();
    expect(a.popItem()).toBeUndefined();
    expect(a.popitem()).toBeUndefined();
    expect(codeOf(() => a.set(1 as never, 'x'))).toBe('INVALID_ARGUMENT');

    a.update({ a: 1, b: 'two', c: [3] });
    expect(a.getOrThrow('b')).toBe('two');
    expect(a.size).toBe(3);
    expect([...a].map(text)).toEqual(['a', 'b', 'c']);
    expect([...a.keys()].map(text)).toEqual(['a', 'b', 'c']);
    expect([...a.values()]).toEqual([1, 'two', [3]]);
    expect([...a.items()].map(([k, v]) => [text(k), v])).toEqual([['a', 1], ['b', 'two'], ['c', [3]]]);
    const snapshot = a.copy();
    expect(snapshot.map(([k]) => text(k))).toEqual(['a', 'b', 'c']);
    // Reads are copies: mutating them changes nothing stored.
    (a.get('c') as number[]).push(4);
    expect(a.get('c')).toEqual([3]);
    expect(a.pop('b')).toBe('two');
    const [k, v] = a.popItem()!;
    expect([text(k), v]).toEqual(['a', 1]);
    a.set('c', null); // nil deletes, as py2p
    expect(a.size).toBe(0);
    expect(snapshot).toHaveLength(3);
    expect(codeOf(() => a.set('x', undefined))).toBe('KEY_NOT_FOUND');
    a.set('n', 5);
    expect(codeOf(() => a.applyDelta('n', { x: 1 }))).toBe('NOT_A_MAPPING');
    expect(codeOf(() => a.applyDelta('m', [1] as never))).toBe('NOT_A_MAPPING');
    expect(codeOf(() => a.update([['x', 1], ['y', null]]))).toBe('KEY_NOT_FOUND');
    expect(a.has('x')).toBe(false);
    a.update([['x', 1], ['x', null]]);
    expect(a.has('x')).toBe(false);
    await a.close();
    expect(codeOf(() => a.set('z', 1))).toBe('CLOSED');
    expect(a.get('n')).toBe(5);
  });

  it('ENCODE_ERROR leaves nothing stored and nothing sent (F19)', async () => {
    const a = await syncNode();
    const peer = track(await RawPeer.handshake(a));
    expect(codeOf(() => a.set('bad', { f: () => 1 }))).toBe('ENCODE_ERROR');
    expect(codeOf(() => a.set('bad', Symbol('s')))).toBe('ENCODE_ERROR');
    expect(codeOf(() => a.update({ good: 1, bad: () => 1 }))).toBe('ENCODE_ERROR');
    expect(codeOf(() => a.applyDelta('bad', { f: () => 1 }))).toBe('ENCODE_ERROR');
    expect([a.has('bad'), a.has('good'), a.size]).toEqual([false, false, 0]);
    a.set('fine', 1);
    const first = await nextWire(peer, (f) => f.payload[0] === SubFlags.store);
    expect(text(first.payload[1] as Uint8Array)).toBe('fine');
    expect(first.type).toBe(MainFlags.broadcast);
  });
});
