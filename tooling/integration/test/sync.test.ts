/** Sync networks of 3+ nodes (the replicated dictionary), run once per transport. */
import { describe, expect, it } from 'vitest';
import type { Clock } from '@p2p/base';
import { SyncSocket, type SyncDelete, type SyncSocketOptions } from '@p2p/sync';
import { eventually, startTestnet, waitFor } from '@p2p/testnet';
import { TRANSPORTS, protocol, track, type Encryption } from './transports';

const syncNode = (encryption: Encryption, options: SyncSocketOptions = {}): Promise<SyncSocket> =>
  SyncSocket.listen({ protocol: protocol('sync', encryption), maxOutgoing: 0, ...options }).then(track);

/** Three sync nodes in a line a-b-c. */
async function trio(encryption: Encryption, optionsFor: (i: number) => SyncSocketOptions = () => ({})): Promise<[SyncSocket, SyncSocket, SyncSocket]> {
  const net = track(await startTestnet({ count: 3, topology: 'line', start: (i) => syncNode(encryption, optionsFor(i)) }));
  await waitFor(() => net.nodes.every((n) => n.peers.size >= 1) && net.nodes[1]!.peers.size === 2);
  return net.nodes as [SyncSocket, SyncSocket, SyncSocket];
}

/** Real timers, `now` shifted: a node whose writes never share a second with the others'. */
const aheadBy = (ms: number): Clock => ({
  now: () => Date.now() + ms,
  setTimeout: (fn, delay) => setTimeout(fn, delay).unref(),
  clearTimeout: (t) => clearTimeout(t as NodeJS.Timeout),
});

const text = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);

describe.each(TRANSPORTS)('sync over %s', (encryption) => {
  it('set, update, delta and delete reach every node, with the writer as owner', async () => {
    // c runs 2 s ahead: never the same second as a (PROTOCOL.md 5.2 rule 5 would let a smaller id take over).
    const [a, b, c] = await trio(encryption, (i) => (i === 2 ? { clock: aheadBy(2000) } : {}));
    expect(a.protocol).toMatchObject({ subnet: 'sync1', encryption });
    for (const conn of b.peers.values()) expect(conn.encrypted).toBe(encryption === 'SSL');
    const deletes: string[] = [];
    a.on('delete', ({ key }: SyncDelete) => deletes.push(text(key)));

    a.set('greeting', 'hello');
    c.update({ n: 1, list: [1, 'two', { three: 3 }], bytes: new Uint8Array([0, 255]) });
    b.applyDelta('map', { x: 1 });
    await eventually(() => {
      for (const n of [a, b, c]) {
        expect([n.get('greeting'), n.get('n'), n.get('list'), n.get('bytes'), n.get('map'), n.size]).toEqual([
          'hello',
          1,
          [1, 'two', { three: 3 }],
          new Uint8Array([0, 255]),
          { x: 1 },
          5,
        ]);
      }
    });
    for (const n of [a, b, c]) {
      expect(n.getMeta('greeting')?.owner).toBe(a.id);
      expect(n.getMeta('n')?.owner).toBe(c.id);
    }

    // Leases hold across the network: only the writer may change its key for an hour.
    expect(() => c.set('greeting', 'hijacked')).toThrow(expect.objectContaining({ code: 'LEASE_HELD' }));
    a.set('greeting', 'hello again');
    c.delete('n');
    await eventually(() => {
      for (const n of [a, b, c]) {
        expect(n.get('greeting')).toBe('hello again');
        expect(n.has('n')).toBe(false);
        expect(n.get('n', 'gone')).toBe('gone');
        expect(n.size).toBe(4);
      }
    });
    expect(deletes).toEqual(['n']);
    for (const n of [a, b, c]) expect(n.status).toBe('Nominal');
  });

  it('a late joiner receives every live key, and none of the deleted ones', async () => {
    const [a, b, c] = await trio(encryption);
    a.set('one', 1);
    b.set('two', 2);
    c.set('three', 3);
    c.set('doomed', 'x');
    await waitFor(() => [a, b, c].every((n) => n.size === 4));
    c.delete('doomed');
    await waitFor(() => [a, b, c].every((n) => n.size === 3));

    const late = await syncNode(encryption);
    await late.connect(...a.outAddr, { timeout: 3000 });
    await eventually(() => {
      expect([late.get('one'), late.get('two'), late.get('three'), late.has('doomed'), late.size]).toEqual([1, 2, 3, false, 3]);
      expect(late.getMeta('two')).toEqual(b.getMeta('two'));
    });
    // And its own writes travel the other way, through a to c.
    late.set('from the late joiner', true);
    await eventually(() => expect(c.get('from the late joiner')).toBe(true));
  });
});
