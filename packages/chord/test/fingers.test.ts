/**
 * The links a chord socket keeps by itself, over real TCP on loopback: after a line of dials
 * and join(), every node is linked to a node of every non-empty interval ahead of it (any node
 * of interval j halves a lookup's remaining distance) and to its ring neighbours, without being
 * linked to everyone; when the most used node leaves, every interval is covered again.
 */
import { describe, expect, it } from 'vitest';
import { waitFor } from '@p2p/testnet';
import type { ChordSocket } from '@p2p/chord';
import { fingerPlace } from '../src/finger-rules';
import { ring } from './helpers';

const FINGERS = 16;

/** For node `n`, the non-empty intervals (among `live`) in which it has no link. */
function missingFingers(n: ChordSocket, live: ChordSocket[]): number[] {
  const intervals = new Set<number>();
  const covered = new Set<number>();
  for (const o of live) {
    const place = o === n ? undefined : fingerPlace(n.idInt, o.idInt, FINGERS);
    if (!place) continue;
    intervals.add(place.interval);
    if (n.peers.has(o.id)) covered.add(place.interval);
  }
  return [...intervals].filter((j) => !covered.has(j));
}

describe('finger links (TCP)', () => {
  it('every node links a node of every non-empty interval, and covers them again after a leave', { timeout: 60_000 }, async () => {
    const nodes = await ring(20);
    const report = (live: ChordSocket[]) => live.map((n) => missingFingers(n, live).length).reduce((s, x) => s + x, 0);
    await waitFor(() => report(nodes) === 0, { timeout: 20_000, interval: 50, message: 'fingers missing' });
    // Bounded: neighbours plus about log2 N fingers each way, well under every node.
    for (const n of nodes) expect(n.peers.size).toBeLessThan(nodes.length - 1);

    // The node most others use as a finger leaves (unjoins and closes).
    const uses = new Map<ChordSocket, number>();
    for (const n of nodes) for (const o of nodes) if (o !== n && n.peers.has(o.id)) uses.set(o, (uses.get(o) ?? 0) + 1);
    const popular = [...uses].sort((a, b) => b[1] - a[1])[0]![0];
    await popular.close();
    const live = nodes.filter((n) => n !== popular);
    await waitFor(() => report(live) === 0, { timeout: 20_000, interval: 50, message: 'fingers not replaced after a leave' });
    for (const [i, k] of ['a', 'b', 'c'].entries()) live[i]!.set(k, i);
    await waitFor(async () => (await live[5]!.get('c', undefined, { timeout: 2000 }).catch(() => undefined)) === 2, { timeout: 10_000 });
  });
});
