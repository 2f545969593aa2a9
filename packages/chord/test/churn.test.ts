import { describe, expect, it } from 'vitest';
import { eventually, waitFor } from '@p2p/testnet';
import { kill, ring, settled } from './helpers';

describe('durability under churn', () => {
  it('16 nodes, 400 keys, a quarter killed without warning: every key keeps its latest value', async () => {
    // Periodic full repair also heals stores lost on connections a peer was trimming.
    const nodes = await ring(16, { republishInterval: 1000, fullRepairEvery: 1 });
    const keys = Array.from({ length: 400 }, (_, i) => `churn-${i}`);
    keys.forEach((k, i) => nodes[i % 16]!.set(k, { v: 1, i }));
    // Overwrite a quarter, so "latest value" is tested, not just presence.
    keys.forEach((k, i) => i % 4 === 0 && nodes[(i + 5) % 16]!.set(k, { v: 2, i }));
    const latest = (i: number) => ({ v: i % 4 === 0 ? 2 : 1, i });
    const total = () => nodes.filter((n) => !n.closed).reduce((s, n) => s + n.storedEntries, 0);
    await waitFor(() => total() === keys.length * 5, { timeout: 10_000, message: 'writes did not land' }).catch((e) => { console.log('TOTAL', total(), nodes.map((n) => [n.storedEntries, n.peers.size, n.storingPeers().length, n.outgoingIds().length])); throw e; });

    // Kill the nodes holding the most entries, so plenty of keys lose several replicas.
    const victims = [...nodes].sort((a, b) => b.storedEntries - a.storedEntries).slice(0, 4);
    const lost = victims.reduce((s, n) => s + n.storedEntries, 0);
    await Promise.all(victims.map(kill));
    const alive = nodes.filter((n) => !victims.includes(n));
    await settled(alive);
    // Replica repair restores all five copies from the survivors, using ordinary stores.
    await waitFor(() => total() === keys.length * 5, { timeout: 15_000, message: `replicas: ${total()} of ${keys.length * 5} (lost ${lost})` });
    const batch = 50;
    for (let start = 0; start < keys.length; start += batch) {
      await Promise.all(
        keys.slice(start, start + batch).map((k, j) =>
          eventually(async () => expect(await alive[(start + j) % alive.length]!.get(k, undefined, { timeout: 3000 })).toEqual(latest(start + j)), { timeout: 10_000 }),
        ),
      );
    }
    expect(lost).toBeGreaterThan(0);
  }, 60_000);
});
