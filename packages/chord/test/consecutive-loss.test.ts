import { describe, expect, it } from 'vitest';
import { eventually, waitFor } from '@p2p/testnet';
import type { ChordSocket } from '@p2p/chord';
import { nearestAhead, nearestBehind } from '../src/routing';
import { kill, ring, settled } from './helpers';

describe('nearestBehind / nearestAhead', () => {
  const at = (id: bigint) => ({ item: `n${id}`, id });
  const nodes = [at(10n), at(20n), at(30n), at(40n), at(50n)];

  it('orders by ring distance behind and ahead, wrapping, without the node itself', () => {
    expect(nearestBehind(nodes, 30n, 3)).toEqual(['n20', 'n10', 'n50']);
    expect(nearestAhead(nodes, 30n, 3)).toEqual(['n40', 'n50', 'n10']);
    expect(nearestBehind(nodes, 30n, 10)).toHaveLength(4);
    expect(nearestAhead(nodes, 35n, 0)).toEqual([]);
  });
});

describe('losing ring-consecutive nodes', () => {
  it('12 nodes, 200 keys, 4 ring neighbours destroyed at once: every key keeps its latest value', async () => {
    const nodes = await ring(12, { backupCopies: 4 });
    const keys = Array.from({ length: 200 }, (_, i) => `run-${i}`);
    keys.forEach((k, i) => nodes[i % 12]!.set(k, { i }));
    const total = (ns: ChordSocket[]) => ns.filter((n) => !n.closed).reduce((s, n) => s + n.storedEntries, 0);
    const backups = (ns: ChordSocket[]) => ns.filter((n) => !n.closed).reduce((s, n) => s + n.backupEntries, 0);
    await waitFor(() => total(nodes) === keys.length * 5, { timeout: 10_000, message: 'writes did not land' });
    // Every entry has a backup at each of the 4 storing nodes behind its responsible node.
    await waitFor(() => backups(nodes) === keys.length * 5 * 4, { timeout: 10_000, message: 'backups did not reach the 4 predecessors' });

    const order = [...nodes].sort((a, b) => (a.idInt < b.idInt ? -1 : 1));
    const victims = order.slice(5, 9);
    const lost = victims.reduce((s, n) => s + n.storedEntries, 0);
    await Promise.all(victims.map(kill));
    const alive = nodes.filter((n) => !victims.includes(n));
    await settled(alive);
    // The first survivor behind each lost primary promotes its backup; repair restores all five
    // replicas and the backups at the new predecessors.
    await waitFor(() => total(alive) === keys.length * 5, { timeout: 15_000, message: `replicas not restored (lost ${lost})` });
    await waitFor(() => backups(alive) === keys.length * 5 * 4, { timeout: 15_000, message: 'backups not restored' });
    for (let start = 0; start < keys.length; start += 50) {
      await Promise.all(
        keys.slice(start, start + 50).map((k, j) =>
          eventually(async () => expect(await alive[(start + j) % alive.length]!.get(k, undefined, { timeout: 3000 })).toEqual({ i: start + j }), { timeout: 10_000 }),
        ),
      );
    }
    expect(lost).toBeGreaterThan(0);
  }, 60_000);
});
