import { describe, expect, it } from 'vitest';
import type { MetricsSnapshot, P2PError } from '@p2p/base';
import { waitFor } from '@p2p/testnet';
import { getHashes, type ChordSocket } from '@p2p/chord';
import { RepairPacer, type PacedTask } from '../src/repair-pacer';
import { keysWithRemoteTables, kill, node, ring, settled, storingPairWhere } from './helpers';

function evicted(snap: MetricsSnapshot): number {
  const metric = snap.metrics.find((m) => m.name === 'p2p_chord_lookups_evicted_total');
  return metric && metric.kind !== 'histogram' ? (metric.series[0]?.value ?? 0) : 0;
}

describe('repair pacer', () => {
  it('runs every task of its source, never more than its limit at once, then reports idle once', async () => {
    const pacer = new RepairPacer(3);
    const open: (() => void)[] = [];
    let most = 0;
    let ran = 0;
    function* tasks(): Generator<PacedTask> {
      for (let i = 0; i < 20; i++) {
        yield (done) => {
          ran++;
          // Every fourth task ends at once, inside its start.
          if (i % 4 === 0) return done();
          open.push(done);
          most = Math.max(most, pacer.inFlight);
        };
      }
    }
    let idle = 0;
    pacer.start(tasks(), () => idle++);
    expect(pacer.busy).toBe(true);
    while (open.length > 0) {
      const done = open.shift()!;
      done();
      done(); // a second call frees nothing
    }
    expect(ran).toBe(20);
    expect(most).toBeLessThanOrEqual(3);
    expect(idle).toBe(1);
    expect(pacer.busy).toBe(false);
  });

  it('stop() forgets the run: nothing more starts, a late done frees nothing of the next run', () => {
    const pacer = new RepairPacer(2);
    const open: (() => void)[] = [];
    let ran = 0;
    const hold: PacedTask = (done) => {
      ran++;
      open.push(done);
    };
    let idle = 0;
    pacer.start([hold, hold, hold, hold][Symbol.iterator](), () => idle++);
    expect(ran).toBe(2);
    pacer.stop();
    expect(pacer.busy).toBe(false);
    pacer.start([hold, hold, hold][Symbol.iterator](), () => idle++);
    expect(ran).toBe(4);
    open[0]!(); // of the stopped run
    expect(ran).toBe(4);
    expect(pacer.inFlight).toBe(2);
    open[2]!();
    expect(ran).toBe(5);
    open[3]!();
    open[4]!();
    expect(idle).toBe(1);
  });
});

describe('paced replica repair', () => {
  it('8 nodes, a pass far over maxPendingLookups (64): reads during it all succeed, nothing is evicted, every lost replica is restored', async () => {
    // backupCopies 0: the victim's entries come back only through the sibling probes and fills.
    const nodes = await ring(8, { maxPendingLookups: 64, backupCopies: 0 });
    const keys = Array.from({ length: 400 }, (_, i) => `paced-${i}`);
    keys.forEach((k, i) => nodes[i % 8]!.set(k, i));
    const total = (ns: ChordSocket[]): number => ns.filter((n) => !n.closed).reduce((s, n) => s + n.storedEntries, 0);
    await waitFor(() => total(nodes) === keys.length * 5, { timeout: 10_000, message: 'writes did not land' });

    // The victim holds the fewest entries (but some): most keys keep all five replicas for the reads.
    const victim = nodes.filter((n) => n.storedEntries > 0).sort((x, y) => x.storedEntries - y.storedEntries)[0]!;
    const alive = nodes.filter((n) => n !== victim);
    // Each survivor checks the four siblings of every entry it holds: a pass sent all at once
    // would put hundreds of probes into a table of 64 (the cap the reads share) on the larger ones.
    expect(Math.max(...alive.map((n) => n.storedEntries))).toBeGreaterThan(64);
    const onVictim = (k: string): number => getHashes(k).filter((h) => victim.find(h) === victim).length;
    const gone = keys.filter((k) => onVictim(k) === 5).length;
    const safe = keys.map((k, i) => [k, i] as const).filter(([k]) => onVictim(k) === 0);
    expect(safe.length).toBeGreaterThan(50);
    let most = 0;
    const sampler = setInterval(() => (most = Math.max(most, ...alive.map((n) => n.pendingLookups))), 2);
    try {
      await kill(victim);
      await settled(alive);
      // The pass the kill triggered (republishDelay 150 ms) runs while these reads go out, a few
      // at a time per node so that reads alone stay well inside the cap.
      const failures: string[] = [];
      const reads = async (): Promise<void> => {
        for (let start = 0; start < safe.length; start += alive.length * 2) {
          await Promise.all(
            safe.slice(start, start + alive.length * 2).map(async ([k, i], j) => {
              const reader = alive[j % alive.length]!;
              try {
                const value = await reader.get(k, undefined, { timeout: 5000 });
                if (value !== i) failures.push(`${k}: ${String(value)}`);
              } catch (err) {
                failures.push(`${k}: ${(err as P2PError).code}`);
              }
            }),
          );
        }
      };
      await reads();
      await reads();
      expect(failures).toEqual([]);
      await waitFor(() => total(alive) === (keys.length - gone) * 5, {
        timeout: 20_000,
        message: `replicas: ${total(alive)} of ${(keys.length - gone) * 5}`,
      });
    } finally {
      clearInterval(sampler);
    }
    expect(alive.map((n) => evicted(n.metrics()))).toEqual(alive.map(() => 0));
    expect(most).toBeLessThanOrEqual(64);
  }, 60_000);

  it('a full table of reads refuses the newest read and keeps the older ones', async () => {
    // The raw peer is the only other storing node and never answers: every read waits on it.
    const { a, found: older } = await storingPairWhere((n) => {
      const keys = keysWithRemoteTables(n, 'full', 3, 2);
      return keys.length === 2 ? keys : undefined;
    }, { maxPendingLookups: 3, hedgeDelay: 0 });
    const errors: P2PError[] = [];
    a.on('error', (e) => errors.push(e));
    expect(older.length).toBe(2);
    const first = a.get(older[0]!, 'fallback-1', { timeout: 1000 });
    await waitFor(() => a.pendingLookups === 3);
    const second = a.get(older[1]!, undefined, { timeout: 1000 }).catch((e: P2PError) => e);
    // None of the second read's tables fit: the first read's three stay, nothing is evicted.
    await new Promise((r) => setTimeout(r, 100));
    expect(a.pendingLookups).toBe(3);
    expect(evicted(a.metrics())).toBe(0);
    // The newest read fails at once, typed; the older one is still waiting for its tables.
    expect(((await second) as P2PError).code).toBe('LIMIT_EXCEEDED');
    expect(a.pendingLookups).toBe(3);
    await Promise.allSettled([first]);
    expect(errors).toEqual([]);
  }, 10_000);
});
