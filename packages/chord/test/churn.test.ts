import { describe, expect, it } from 'vitest';
import { eventually, waitFor } from '@p2p/testnet';
import { HASH_METHODS, getHashes, type ChordSocket } from '@p2p/chord';
import { kill, ring, settled } from './helpers';

/**
 * Per table, the values every live node holds for each key (test introspection through
 * dumpData). Each node's tables are read once per call, so a poll over all keys costs one pass
 * over the stored entries, not one per key.
 */
function holdings(nodes: ChordSocket[]): (key: string) => unknown[][] {
  const held = HASH_METHODS.map(() => new Map<bigint, unknown[]>());
  for (const n of nodes) {
    if (n.closed) continue;
    // dumpData(1, 0) is every entry but the one at 0, dumpData(0, 1) that one.
    for (const dump of [n.dumpData(1n, 0n), n.dumpData(0n, 1n)]) {
      HASH_METHODS.forEach((m, i) => {
        for (const [k, value] of dump[m]) {
          const values = held[i]!.get(k);
          if (values) values.push(value);
          else held[i]!.set(k, [value]);
        }
      });
    }
  }
  return (key) => {
    const hashes = getHashes(key);
    return held.map((table, i) => table.get(hashes[i]!) ?? []);
  };
}

/** Whether every table holds exactly one copy of each key, with its latest `v`. */
function allLatest(nodes: ChordSocket[], keys: string[], latest: (i: number) => { v: number }): boolean {
  const replicas = holdings(nodes);
  return keys.every((k, i) => replicas(k).every((v) => v.length === 1 && (v[0] as { v: number }).v === latest(i).v));
}

describe('durability under churn', () => {
  it('16 nodes, 400 keys, a quarter killed without warning: every key keeps its latest value', async () => {
    // Repair runs when the set of storing peers changes (here: the kills), 150 ms after it.
    const nodes = await ring(16);
    const keys = Array.from({ length: 400 }, (_, i) => `churn-${i}`);
    keys.forEach((k, i) => nodes[i % 16]!.set(k, { v: 1, i }));
    const latest = (i: number) => ({ v: i % 4 === 0 ? 2 : 1, i });
    const total = () => nodes.filter((n) => !n.closed).reduce((s, n) => s + n.storedEntries, 0);
    await waitFor(() => total() === keys.length * 5, { timeout: 10_000, message: 'writes did not land' });
    // Overwrite a quarter from other nodes, so "latest value" is tested, not just presence. (Two
    // unacknowledged writes racing from different nodes have no defined order, as in py2p.)
    keys.forEach((k, i) => i % 4 === 0 && nodes[(i + 5) % 16]!.set(k, latest(i)));
    await Promise.all(keys.map((k, i) => (i % 4 === 0 ? eventually(async () => expect(await nodes[i % 16]!.get(k)).toEqual(latest(i))) : undefined)));
    // ...and until all five replicas of every key hold its latest value (writes are unacknowledged).
    await waitFor(() => allLatest(nodes, keys, latest), {
      timeout: 10_000,
      message: 'overwrites did not reach every replica',
    });

    // A quarter, spread around the ring: every fourth node in ring order. A node's backup copies
    // are at the node behind it (backupCopies 1), so no two victims are ring neighbours: a lost
    // range always has its backup among the survivors (consecutive losses: consecutive-loss.test.ts).
    const byRing = [...nodes].sort((x, y) => (x.idInt < y.idInt ? -1 : 1));
    const victims = byRing.filter((_, i) => i % 4 === 1);
    const lost = victims.reduce((s, n) => s + n.storedEntries, 0);
    await Promise.all(victims.map(kill));
    const alive = nodes.filter((n) => !victims.includes(n));
    await settled(alive);
    // Replica repair restores all five copies from the survivors, using ordinary stores.
    await waitFor(() => total() === keys.length * 5, { timeout: 15_000 }).catch((err: Error) => {
      throw new Error(`replicas: ${total()} of ${keys.length * 5} (lost ${lost})`, { cause: err });
    });
    const batch = 50;
    for (let start = 0; start < keys.length; start += batch) {
      await Promise.all(
        keys.slice(start, start + batch).map((k, j) =>
          eventually(async () => expect(await alive[(start + j) % alive.length]!.get(k, undefined, { timeout: 3000 })).toEqual(latest(start + j)), { timeout: 10_000 }),
        ),
      );
    }
    expect(lost).toBeGreaterThan(0);
    // Exactly five replicas per key again, each with the latest value.
    expect(allLatest(alive, keys, latest)).toBe(true);
  }, 60_000);
});
