/**
 * Local writes leave at the end of the tick (outbox.ts) over real TCP: one store per write, in
 * order, dated when the write was made, delivered before close, and bounded.
 */
import { describe, expect, it } from 'vitest';
import { MainFlags, SubFlags, type WireMessage } from '@p2p/base';
import { waitFor } from '@p2p/testnet';
import type { SyncUpdate } from '@p2p/sync';
import { Outbox, MAX_PENDING_WRITES, type PendingWrite } from '../src/outbox';
import { RawPeer, syncNode, testClock, text, track } from './helpers';

const isStore = (w: WireMessage): boolean => w.type === MainFlags.broadcast && (w.payload[0] === SubFlags.store || w.payload[0] === SubFlags.delta);

/** The raw peer's store/delta broadcasts, in arrival order, once `count` arrived. */
async function stores(raw: RawPeer, count: number): Promise<WireMessage[]> {
  await waitFor(() => raw.frames.filter((f) => isStore(f.wire)).length >= count);
  return raw.frames.map((f) => f.wire).filter(isStore);
}

describe('the outbox (unit)', () => {
  it('sends in order once per tick, and flushes at once past its bound', async () => {
    const sent: number[] = [];
    const outbox = new Outbox({ send: (w: PendingWrite) => void sent.push(w.atMs), report: (e) => { throw e; } });
    for (let i = 0; i < 3; i++) outbox.push({ type: SubFlags.store, packets: [], atMs: i });
    expect(sent).toEqual([]);
    await Promise.resolve();
    expect(sent).toEqual([0, 1, 2]);
    sent.length = 0;
    for (let i = 0; i <= MAX_PENDING_WRITES; i++) outbox.push({ type: SubFlags.store, packets: [], atMs: i });
    // The write past the bound sent the first MAX_PENDING_WRITES inline; it alone waits.
    expect(sent).toHaveLength(MAX_PENDING_WRITES);
    expect(outbox.size).toBe(1);
    await Promise.resolve();
    expect(sent).toHaveLength(MAX_PENDING_WRITES + 1);
    expect(sent).toEqual([...sent].sort((a, b) => a - b));
  });

  it('reports a failing send and goes on with the next', async () => {
    const sent: number[] = [];
    const errors: unknown[] = [];
    const outbox = new Outbox({
      send: (w) => {
        if (w.atMs === 1) throw new Error('boom');
        sent.push(w.atMs);
      },
      report: (e) => errors.push(e),
    });
    for (let i = 0; i < 3; i++) outbox.push({ type: SubFlags.store, packets: [], atMs: i });
    outbox.flush();
    expect(sent).toEqual([0, 2]);
    expect(errors).toHaveLength(1);
  });
});

describe('writes over TCP', () => {
  it('one store per write, in order, none before the tick ends; the same key twice sends both', async () => {
    const node = await syncNode();
    const raw = track(await RawPeer.handshake(node));
    const peer = await syncNode();
    await peer.connect(...node.outAddr);
    const seen: SyncUpdate[] = [];
    peer.on('update', (u) => seen.push(u));
    const before = raw.frames.length;

    node.set('a', 1);
    node.set('b', 2);
    node.set('a', 3);
    node.applyDelta('m', { x: 1 });
    node.delete('b');
    node.update({ c: 'c', a: 4 });
    // Local state and events are immediate; nothing left in this tick.
    expect(node.get('a')).toBe(4);
    expect(node.has('b')).toBe(false);
    await new Promise((r) => setTimeout(r, 20));
    expect(raw.frames.slice(0, before).some((f) => isStore(f.wire))).toBe(false);

    const got = await stores(raw, 7);
    expect(got.map((w) => [w.payload[0], text(w.payload[1] as Uint8Array), w.payload[2]])).toEqual([
      [SubFlags.store, 'a', 1],
      [SubFlags.store, 'b', 2],
      [SubFlags.store, 'a', 3],
      [SubFlags.delta, 'm', { x: 1 }],
      [SubFlags.store, 'b', null],
      [SubFlags.store, 'c', 'c'],
      [SubFlags.store, 'a', 4],
    ]);
    for (const w of got) expect(w.sender).toBe(node.id);
    // The sync peer saw every write as an event, in order, and holds the last.
    await waitFor(() => seen.length === 6);
    expect(seen.map((u) => [text(u.key), u.value])).toEqual([
      ['a', 1],
      ['b', 2],
      ['a', 3],
      ['m', { x: 1 }],
      ['c', 'c'],
      ['a', 4],
    ]);
    expect(peer.get('a')).toBe(4);
    expect(peer.has('b')).toBe(false);
  });

  it('a write carries the time it was made, even if the clock moves before the tick ends', async () => {
    const clock = testClock();
    const node = await syncNode({ clock });
    const raw = track(await RawPeer.handshake(node));
    const T = Math.floor(Date.now() / 1000) - 20;
    clock.freeze(T * 1000);
    node.set('early', 'made at T');
    clock.freeze((T + 7) * 1000);
    node.set('late', 'made at T + 7');
    clock.shift(0);
    const [early, late] = await stores(raw, 2);
    expect(early!.time).toBe(T);
    expect(late!.time).toBe(T + 7);
    expect(node.getMeta('early')).toEqual({ owner: node.id, timestamp: T });
    expect(node.getMeta('late')).toEqual({ owner: node.id, timestamp: T + 7 });
  });

  it('writes made just before close() still leave', async () => {
    const node = await syncNode();
    const peer = await syncNode();
    await peer.connect(...node.outAddr);
    await waitFor(() => node.peers.size === 1);
    for (let i = 0; i < 50; i++) node.set(`k${i}`, i);
    const closed = node.close();
    await waitFor(() => peer.size === 50);
    await closed;
  });

  it('a joining peer gets a queued write once (the broadcast leaves before the replay)', async () => {
    const node = await syncNode();
    const raw = track(await RawPeer.connect(node.outAddr[1]));
    await raw.nextWhere((f) => f.wire.payload[0] === SubFlags.handshake);
    // The handshake arrives and, in the same tick as the node files the peer, a write is made.
    node.once('peer:connect', () => node.set('during', 'the handshake'));
    raw.sendHandshake(node.protocol.idBytes());
    await raw.nextWhere((f) => f.wire.payload[0] === SubFlags.peers);
    await new Promise((r) => setTimeout(r, 50));
    const copies = raw.frames.filter((f) => f.wire.payload[0] === SubFlags.store && text(f.wire.payload[1] as Uint8Array) === 'during');
    // The broadcast first; a replay of the same version may follow (the receiver ignores it).
    expect(copies.length).toBeGreaterThanOrEqual(1);
    expect(copies.length).toBeLessThanOrEqual(2);
    expect(copies[0]!.wire.type).toBe(MainFlags.broadcast);
    const version = (w: WireMessage) => `${w.type === MainFlags.broadcast ? w.time : String(w.payload[4])}|${String(w.payload[2])}`;
    expect(new Set(copies.map((f) => version(f.wire))).size).toBe(1);
  });
});
