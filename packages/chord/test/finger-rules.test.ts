import { describe, expect, it } from 'vitest';
import { RING_SIZE, getHashes } from '@p2p/chord';
import { chooseFingers, fingerInterval, fingerPlace, settleFingers } from '../src/finger-rules';

const at = (fraction: number): bigint => (RING_SIZE * BigInt(Math.round(fraction * 1e9))) / 1_000_000_000n;

describe('finger rules', () => {
  const me = at(0.1);

  it('interval j holds the clockwise distances [RING / 2^j, RING / 2^(j-1))', () => {
    expect(fingerInterval(me, me, 16)).toBeUndefined();
    expect(fingerInterval(me, me + RING_SIZE / 2n, 16)).toBe(1);
    expect(fingerInterval(me, me + RING_SIZE / 2n - 1n, 16)).toBe(2);
    expect(fingerInterval(me, me - 1n, 16)).toBe(1); // just behind: almost a whole turn ahead
    expect(fingerInterval(me, me + RING_SIZE / 8n, 16)).toBe(3);
    expect(fingerInterval(me, me + 1n, 16)).toBeUndefined(); // interval 384, beyond 16
    expect(fingerInterval(me, me + RING_SIZE / 2n ** 16n, 16)).toBe(16);
    expect(fingerPlace(me, me + RING_SIZE / 8n + 5n, 16)).toEqual({ interval: 3, offset: 5n });
    expect(fingerPlace(me, me + RING_SIZE / 2n - 1n, 16)).toEqual({ interval: 2, offset: RING_SIZE / 4n - 1n });
  });

  it('one finger per non-empty interval, the node nearest its start', () => {
    const nodes = [0.15, 0.2, 0.35, 0.4, 0.6, 0.65, 0.95].map((f, i) => ({ item: `n${i}`, id: at(f) }));
    // Distances from 0.1: 0.05 (j=5), 0.1 (j=4), 0.25 (j=2), 0.3 (j=2), 0.5 (j=1), 0.55 (j=1), 0.85 (j=1).
    expect(chooseFingers(nodes, me, 16)).toEqual(['n4', 'n2', 'n1', 'n0']);
    expect(chooseFingers(nodes, me, 2)).toEqual(['n4', 'n2']);
    expect(chooseFingers([], me, 16)).toEqual([]);
  });

  it('a linked finger stays unless a candidate is twice as near its interval start', () => {
    const placed = (item: string, f: number) => ({ item, place: fingerPlace(me, at(f), 16) });
    // Interval 1 starts at 0.6: the link at 0.7 (offset 0.1) against candidates at 0.66 and 0.64.
    expect(settleFingers([placed('linked', 0.7)], [placed('linked', 0.7), placed('near', 0.66)], 2n)).toEqual(['linked']);
    expect(settleFingers([placed('linked', 0.7)], [placed('linked', 0.7), placed('nearer', 0.64)], 2n)).toEqual(['nearer']);
    // An interval no link occupies gets its best candidate.
    expect(settleFingers([], [placed('a', 0.4), placed('b', 0.37)], 2n)).toEqual(['b']);
  });

  it('on 1,024 random ids, a node keeps about log2 N fingers', () => {
    const ids = Array.from({ length: 1024 }, (_, i) => ({ item: i, id: getHashes(`f-${i}`)[3] }));
    const counts = ids.slice(0, 64).map((n) => chooseFingers(ids, n.id, 16).length);
    const mean = counts.reduce((s, c) => s + c, 0) / counts.length;
    expect(mean).toBeGreaterThan(8);
    expect(Math.max(...counts)).toBeLessThanOrEqual(16);
  });
});
