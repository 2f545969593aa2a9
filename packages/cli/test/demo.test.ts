import { describe, expect, it } from 'vitest';
import { p2p, run } from './helpers';

describe('p2p demo', () => {
  it('--nodes 5 passes every check, quickly, with plain output when piped', async () => {
    const started = Date.now();
    const exit = await run(['demo', '--nodes', '5'], 60_000);
    expect(exit.stderr).toBe('');
    expect(exit.code).toBe(0);
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(exit.stdout).toMatch(/^demo passed: all 12 checks held in /m);
    expect(exit.stdout.match(/^\[\s*\d+\/12\] ok {4}/gm)).toHaveLength(12);
    // The chord survivors table shows the killed node.
    expect(exit.stdout).toMatch(/^ {2}c\d+ +127\.0\.0\.1:\d+ +- +- +- +killed$/m);
    // eslint-disable-next-line no-control-regex
    expect(exit.stdout).not.toMatch(/\x1b\[/);
  });
});

describe('p2p demo, interrupted', () => {
  it('closes its nodes and exits 130 on SIGINT', async () => {
    const p = p2p('demo', '--nodes', '20');
    await p.waitForLine(/^\[ 1\/12\] ok /);
    p.child.kill('SIGINT');
    const exit = await p.exitWithin(20_000);
    expect(exit.code).toBe(130);
    expect(exit.stdout).toMatch(/^demo interrupted after \d+ of 12 checks \(all held\)/m);
    expect(exit.stderr).toBe('');
  });
});
