import { describe, expect, it } from 'vitest';
import { simulate } from './routing-model';

describe('1,024-node routing simulation (pure model, no sockets)', () => {
  it('greedy routing over direct connections: always correct; hops reported against log2 N', () => {
    const n = 1024;
    const log2 = Math.log2(n);
    const py2p = simulate(n, { random: 4 });
    const fingers = simulate(n, { random: 4, fingers: true });
    const fmt = (s: typeof py2p) =>
      `mean ${s.mean.toFixed(2)}, p50 ${s.p50}, p99 ${s.p99}, max ${s.max}, mean degree ${s.degree.toFixed(1)}, correct ${s.correct}/${s.lookups}`;
    console.log(`chord routing, N=${n}, log2 N=${log2}`);
    console.log(`  ring + 4 random links (py2p-like): ${fmt(py2p)}`);
    console.log(`  ring + 4 random + finger links:    ${fmt(fingers)}`);
    // Ring links make greedy routing exact; fingers make it logarithmic.
    expect(py2p.correct).toBe(py2p.lookups);
    expect(fingers.correct).toBe(fingers.lookups);
    expect(fingers.mean).toBeLessThanOrEqual(log2);
    expect(fingers.p99).toBeLessThanOrEqual(2 * log2);
  });
});
