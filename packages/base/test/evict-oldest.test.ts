import { describe, expect, it } from 'vitest';
import { evictOldest, evictionSlack } from '../src/index';

const filled = (n: number): Map<string, number> => new Map(Array.from({ length: n }, (_, i) => [`k${i}`, i]));

describe('evictOldest', () => {
  it('leaves a map within its cap alone', () => {
    const m = filled(16);
    expect(evictOldest(m, 16)).toBe(0);
    expect(m.size).toBe(16);
  });

  it('deletes the oldest down to the cap less an eighth, and says how many', () => {
    const m = filled(17);
    expect(evictionSlack(16)).toBe(2);
    expect(evictOldest(m, 16)).toBe(3);
    expect([...m.keys()]).toEqual(Array.from({ length: 14 }, (_, i) => `k${i + 3}`));
  });

  it('follows insertion order: a re-inserted key is young again', () => {
    const m = filled(4);
    m.delete('k0');
    m.set('k0', 0);
    m.set('k4', 4);
    expect(evictOldest(m, 4, 0)).toBe(1);
    expect([...m.keys()]).toEqual(['k2', 'k3', 'k0', 'k4']);
  });

  it('with slack 0 evicts exactly to the cap', () => {
    const m = filled(10);
    expect(evictOldest(m, 7, 0)).toBe(3);
    expect([...m.keys()]).toEqual(['k3', 'k4', 'k5', 'k6', 'k7', 'k8', 'k9']);
  });

  it('keeps the newest entry whatever the slack', () => {
    const m = filled(3);
    expect(evictOldest(m, 1, 5)).toBe(2);
    expect([...m.keys()]).toEqual(['k2']);
    const s = new Set(['a', 'b']);
    expect(evictOldest(s, 1)).toBe(1);
    expect([...s]).toEqual(['b']);
  });

  it('empties a map with cap 0', () => {
    const m = filled(3);
    expect(evictOldest(m, 0)).toBe(3);
    expect(m.size).toBe(0);
  });

  it('bounds a map under a long run of inserts, between 7/8 of the cap and the cap', () => {
    const m = new Map<number, number>();
    let evicted = 0;
    let low = Infinity;
    let high = 0;
    for (let i = 0; i < 50_000; i++) {
      m.set(i, i);
      evicted += evictOldest(m, 1000);
      high = Math.max(high, m.size);
      if (i >= 1000) low = Math.min(low, m.size);
    }
    expect(high).toBe(1000);
    expect(low).toBe(875);
    expect(evicted + m.size).toBe(50_000);
    expect(m.has(49_999)).toBe(true);
    expect(m.has(49_999 - m.size)).toBe(false);
  });
});
