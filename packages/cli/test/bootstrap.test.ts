import { describe, expect, it } from 'vitest';
import { p2p } from './helpers';

/** A running `p2p seed` on a free port and its address. */
async function seed() {
  const s = p2p('seed', '--port', '0');
  const addr = await s.address();
  await s.waitForLine(/^seeding protocol id \w+/);
  return { s, addr };
}

describe('--bootstrap HOST:PORT', () => {
  it('p2p mesh: three processes that know only the seed form one network; a line typed on one reaches all', async () => {
    const { s, addr } = await seed();
    const nodes = [];
    for (let i = 0; i < 3; i++) {
      const n = p2p('mesh', '--bootstrap', addr);
      await n.waitForLine(new RegExp(`^bootstrapped through 1 seed: ${i} other nodes? registered, connected to ${i}$`));
      nodes.push(n);
    }
    const [a, b, c] = nodes as [ReturnType<typeof p2p>, ReturnType<typeof p2p>, ReturnType<typeof p2p>];
    await s.waitForLine(/^\* registered /);
    a.send('hello everyone');
    await b.waitForLine(/^\[\w+\] hello everyone$/);
    await c.waitForLine(/^\[\w+\] hello everyone$/);
    c.send('and back');
    await a.waitForLine(/^\[\w+\] and back$/);
    await b.waitForLine(/^\[\w+\] and back$/);
    const exits = await Promise.all(nodes.map((n) => n.end()));
    expect(exits.map((e) => e.code)).toEqual([0, 0, 0]);
    expect(exits.map((e) => e.stderr)).toEqual(['', '', '']);
    s.child.kill('SIGTERM');
    expect((await s.exitWithin(10_000)).code).toBe(0);
  }, 60_000);

  it('p2p sync and p2p chord find each other through the seed', async () => {
    const { s, addr } = await seed();
    const a = p2p('sync', '--bootstrap', addr);
    await a.waitForLine(/^bootstrapped through 1 seed: 0 other nodes registered, connected to 0$/);
    const b = p2p('sync', '--bootstrap', addr);
    await b.waitForLine(/^bootstrapped through 1 seed: 1 other node registered, connected to 1$/);
    a.send('set colour blue');
    await b.waitForLine(/^\* colour = blue \(set by \w+\)$/);
    const c = p2p('chord', '--bootstrap', addr);
    await c.waitForLine(/^bootstrapped through 1 seed: 0 other nodes registered, connected to 0$/);
    const d = p2p('chord', '--bootstrap', addr);
    await d.waitForLine(/^bootstrapped through 1 seed: 1 other node registered, connected to 1$/);
    const exits = await Promise.all([a, b, c, d].map((n) => n.end()));
    expect(exits.map((e) => e.code)).toEqual([0, 0, 0, 0]);
    s.child.kill('SIGTERM');
    await s.exitWithin(10_000);
  }, 60_000);

  it('an unreachable seed is one line on stderr, exit code 1; connect failures are not doubled', async () => {
    const n = p2p('mesh', '--bootstrap', '127.0.0.1:1');
    const exit = await n.exitWithin(15_000);
    expect(exit.code).toBe(1);
    expect(exit.stderr).toMatch(/^p2p: cannot bootstrap through 127\.0\.0\.1:1: no seed answered \(cannot connect to 127\.0\.0\.1:1: .*\); check the seed addresses.* \(BOOTSTRAP_FAILED\)$/m);
    expect(exit.stderr).not.toMatch(/cannot connect to 127\.0\.0\.1:1: cannot connect/);
    const m = p2p('mesh', '--connect', '127.0.0.1:1');
    const exitM = await m.exitWithin(15_000);
    expect(exitM.stderr).toMatch(/^p2p: cannot connect to 127\.0\.0\.1:1: connect ECONNREFUSED 127\.0\.0\.1:1 \(CONNECT_FAILED\)$/m);
  }, 40_000);
});
