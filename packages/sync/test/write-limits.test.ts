/** set() of a value too large for one frame throws FRAME_TOO_LARGE before anything is stored or sent; LEASE_HELD says what to do. */
import { describe, expect, it } from 'vitest';
import { waitFor } from '@p2p/testnet';
import { SyncSocket } from '@p2p/sync';
import { syncNode, testClock } from './helpers';

describe('sync writes at the limits', () => {
  it('a 20 MiB set throws FRAME_TOO_LARGE, stores nothing, the link stays and the next set arrives', async () => {
    const a = await syncNode();
    const b = await syncNode();
    await b.connect(...a.outAddr);
    const drops: unknown[] = [];
    a.on('peer:disconnect', (p) => drops.push(p));
    b.on('peer:disconnect', (p) => drops.push(p));
    expect(() => a.set('big', new Uint8Array(20 * 1024 * 1024))).toThrow(expect.objectContaining({ code: 'FRAME_TOO_LARGE' }));
    expect(a.get('big')).toBeUndefined();
    expect(() => a.applyDelta('big-map', { v: new Uint8Array(20 * 1024 * 1024) })).toThrow(expect.objectContaining({ code: 'FRAME_TOO_LARGE' }));
    expect(a.get('big-map')).toBeUndefined();
    a.set('small', 'after');
    await waitFor(() => b.get('small') === 'after');
    expect(drops).toEqual([]);
    expect(a.peers.has(b.id)).toBe(true);
  }, 20_000);

  it('LEASE_HELD names the key, the owner, the time left and the way out', async () => {
    const a = await syncNode();
    // b runs 2 s ahead: never the same second as a (the lease rule lets a smaller id take over a tie).
    const b = await syncNode({ clock: testClock(2000) });
    await b.connect(...a.outAddr);
    a.set('leased', 1);
    await waitFor(() => b.get('leased') === 1);
    let message = '';
    try {
      b.set('leased', 2);
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(new RegExp(`^key "leased" belongs to node ${a.id.slice(0, 8)}… for 60 more minutes \\(until \\d\\d:\\d\\d UTC\\): only that node can change it until then; write another key, wait, or run every node with leasing off$`));
  });

  it('await using closes a sync socket at the end of the scope (asyncDispose is inherited)', async () => {
    let kept: SyncSocket | undefined;
    {
      await using scoped = await SyncSocket.listen();
      kept = scoped;
    }
    expect(kept.closed).toBe(true);
  });
});
