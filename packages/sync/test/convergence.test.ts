/**
 * F16: two sides of a network write while disconnected, then connect. Every node must end with
 * exactly what the lease and timestamp rules keep (README, "Convergence").
 */
import { describe, expect, it } from 'vitest';
import { eventually, waitFor } from '@p2p/testnet';
import type { SyncSocket } from '@p2p/sync';
import { syncNode, testClock, type TestClock } from './helpers';

async function partitionedWrites(leasing: boolean) {
  const clocks: TestClock[] = [testClock(), testClock(), testClock(), testClock()];
  // maxOutgoing 0: no automatic dials, so the test alone decides the topology.
  const [a, c, b, d] = (await Promise.all(clocks.map((clock) => syncNode({ leasing, clock, maxOutgoing: 0 })))) as SyncSocket[];
  const [clockA, , clockB] = clocks as [TestClock, TestClock, TestClock, TestClock];
  await c!.connect(...a!.outAddr);
  await d!.connect(...b!.outAddr);
  await a!.connect(...b!.outAddr);
  const all = [a!, b!, c!, d!];
  await waitFor(() => all.every((n) => n.peers.size >= 1) && a!.peers.size === 2 && b!.peers.size === 2);
  const T = Math.floor(Date.now() / 1000) - 30;

  // Before the partition: a owns k4, everyone knows it.
  clockA.freeze(T * 1000);
  a!.set('k4', 'v1 (before)');
  await waitFor(() => all.every((n) => n.get('k4') === 'v1 (before)'));

  a!.disconnect(b!.id);
  await waitFor(() => !a!.peers.has(b!.id) && !b!.peers.has(a!.id));

  // Side 1 = {a, c}, side 2 = {b, d}.
  clockA.freeze((T + 5) * 1000);
  a!.set('k1', 'a, earlier');
  a!.set('k4', 'v2 (owner, during the partition)');
  a!.update({ k3: 'a, same second' });
  clockB.freeze((T + 10) * 1000);
  b!.set('k1', 'b, later');
  if (leasing) expect(() => b!.set('k4', 'b steals')).toThrow(expect.objectContaining({ code: 'LEASE_HELD' }));
  else b!.set('k4', 'b, latest');
  clockB.freeze((T + 5) * 1000);
  b!.set('k3', 'b, same second');
  d!.set('k2', 'only on side 2');
  c!.applyDelta('k5', { side: 1 });
  clockA.shift(0);
  clockB.shift(0);
  await waitFor(() => c!.get('k1') === 'a, earlier' && c!.has('k5') && d!.get('k1') === 'b, later' && d!.has('k2') && d!.get('k3') === 'b, same second');
  expect(d!.get('k4')).toBe(leasing ? 'v1 (before)' : 'b, latest');

  // Reconnect through one link only: c and d learn through forwarding.
  await a!.connect(...b!.outAddr);
  return { a: a!, b: b!, c: c!, d: d!, all, T };
}

function expectConverged(all: SyncSocket[], expected: Record<string, { value: unknown; owner: string; timestamp: number }>) {
  for (const n of all) {
    expect(n.size).toBe(Object.keys(expected).length);
    for (const [key, want] of Object.entries(expected)) {
      expect({ key, value: n.get(key), meta: n.getMeta(key) }).toEqual({ key, value: want.value, meta: { owner: want.owner, timestamp: want.timestamp } });
    }
  }
}

describe('partitioned writes, then connect (F16)', () => {
  it('leasing on: the earlier lease holds, the owner keeps its newer write, ties go to the smaller id', async () => {
    const { a, b, c, d, all, T } = await partitionedWrites(true);
    const tieWinner = a.id < b.id ? { value: 'a, same second', owner: a.id } : { value: 'b, same second', owner: b.id };
    await eventually(() =>
      expectConverged(all, {
        k1: { value: 'a, earlier', owner: a.id, timestamp: T + 5 },
        k2: { value: 'only on side 2', owner: d.id, timestamp: expect.any(Number) as unknown as number },
        k3: { ...tieWinner, timestamp: T + 5 },
        k4: { value: 'v2 (owner, during the partition)', owner: a.id, timestamp: T + 5 },
        k5: { value: { side: 1 }, owner: c.id, timestamp: expect.any(Number) as unknown as number },
      }),
    );
    for (const n of all) expect(n.status).toBe('Nominal');
  });

  it('leasing off: the last writer wins on every node', async () => {
    const { a, b, c, d, all, T } = await partitionedWrites(false);
    const tieWinner = a.id < b.id ? { value: 'a, same second', owner: a.id } : { value: 'b, same second', owner: b.id };
    await eventually(() =>
      expectConverged(all, {
        k1: { value: 'b, later', owner: b.id, timestamp: T + 10 },
        k2: { value: 'only on side 2', owner: d.id, timestamp: expect.any(Number) as unknown as number },
        k3: { ...tieWinner, timestamp: T + 5 },
        k4: { value: 'b, latest', owner: b.id, timestamp: T + 10 },
        k5: { value: { side: 1 }, owner: c.id, timestamp: expect.any(Number) as unknown as number },
      }),
    );
  });
});
