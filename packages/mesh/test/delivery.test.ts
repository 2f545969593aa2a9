/** Messages heard by a `message` listener are not counted as dropped; with queueWhenListened: false they are not queued at all. */
import { describe, expect, it } from 'vitest';
import { waitFor } from '@p2p/testnet';
import { node } from './helpers';

describe('delivery to listeners and the queue', () => {
  it('a listener sees every message; only unseen messages count as dropped', async () => {
    const a = await node({ limits: { maxQueue: 2 } });
    const b = await node();
    await b.connect(...a.outAddr);
    const heard: unknown[] = [];
    a.on('message', (m) => heard.push(m.packets[1]));
    for (let i = 0; i < 5; i++) b.send([i]);
    await waitFor(() => heard.length === 5);
    expect(a.stats.droppedMessages).toBe(0);
    // py2p's way still works: the queue keeps the newest for recv().
    expect(a.recv(10).map((m) => m.packets[1])).toEqual([3, 4]);
  });

  it('queueWhenListened: false keeps listened messages out of recv(); without a listener they are queued', async () => {
    const a = await node({ queueWhenListened: false, limits: { maxQueue: 2 } });
    const b = await node();
    await b.connect(...a.outAddr);
    const heard: unknown[] = [];
    const off = a.on('message', (m) => heard.push(m.packets[1]));
    for (let i = 0; i < 5; i++) b.send([i]);
    await waitFor(() => heard.length === 5);
    expect(a.recv()).toBeUndefined();
    expect(a.stats.droppedMessages).toBe(0);
    off();
    for (let i = 5; i < 8; i++) b.send([i]);
    await waitFor(() => a.stats.droppedMessages === 1);
    expect(a.recv(10).map((m) => m.packets[1])).toEqual([6, 7]);
  });

  it('messages() consumers take messages before the queue does', async () => {
    const a = await node({ limits: { maxQueue: 1 } });
    const b = await node();
    await b.connect(...a.outAddr);
    const it = a.messages();
    const first = it.next();
    b.send(['x']);
    expect((await first).value?.packets[1]).toBe('x');
    expect(a.recv()).toBeUndefined();
    await it.return?.();
  });
});
