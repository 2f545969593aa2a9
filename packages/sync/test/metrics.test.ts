import { describe, expect, it } from 'vitest';
import { MainFlags, SubFlags, renderPrometheus, utf8Encode } from '@p2p/base';
import { RawPeer, eventually } from '@p2p/testnet';
import { syncNode, testClock, track } from './helpers';

const refusals = (text: string, origin: string): number =>
  Number(new RegExp(`^p2p_sync_lease_refusals_total\\{origin="${origin}"\\} (\\d+)$`, 'm').exec(text)?.[1] ?? NaN);

describe('sync metrics', () => {
  it("counts lease refusals of this node's writes and of peers' writes, beside mesh's series", async () => {
    const node = await syncNode({ clock: testClock() });
    node.set('held', 'mine');
    expect(refusals(renderPrometheus(node.metrics()), 'local')).toBe(0);

    // A peer writes the key this node holds, as itself: refused by the lease (PROTOCOL.md 5.2).
    const raw = track(await RawPeer.handshake(node));
    raw.sendPayload(MainFlags.broadcast, [SubFlags.store, utf8Encode('held'), 'stolen'], Math.floor(Date.now() / 1000) + 1);
    raw.sendPayload(MainFlags.broadcast, [SubFlags.store, utf8Encode('free'), 'fine']);
    await eventually(() => expect(node.get('free')).toBe('fine'));
    expect(node.get('held')).toBe('mine');

    const text = renderPrometheus(node.metrics());
    expect(refusals(text, 'peer')).toBe(1);
    expect(refusals(text, 'local')).toBe(0);
    expect(text).toMatch(/^p2p_messages_received_total\{flag="broadcast",type="store"\} 2$/m);
  });

  it('a LEASE_HELD set or delete is counted as a local refusal', async () => {
    const owner = await syncNode();
    const other = await syncNode({ clock: testClock(2000) });
    await other.connect(...owner.outAddr);
    owner.set('k', 1);
    await eventually(() => expect(other.get('k')).toBe(1));
    expect(() => other.set('k', 2)).toThrow(expect.objectContaining({ code: 'LEASE_HELD' }));
    expect(() => other.delete('k')).toThrow(expect.objectContaining({ code: 'LEASE_HELD' }));
    expect(refusals(renderPrometheus(other.metrics()), 'local')).toBe(2);
  });
});
