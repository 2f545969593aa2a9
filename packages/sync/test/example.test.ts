import { describe, expect, it, vi } from 'vitest';

// Runs the README's example, so the README cannot drift from the code.
describe('README example', () => {
  it('examples/quickstart.mjs runs and prints what the README says', async () => {
    const lines: string[] = [];
    const spy = vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) =>
      void lines.push(args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' ')),
    );
    try {
      // @ts-expect-error: a plain .mjs example without types
      await import('../examples/quickstart.mjs');
    } finally {
      spy.mockRestore();
    }
    expect(lines).toEqual([
      'bob saw greeting hello',
      'bob: LEASE_HELD',
      'carol has hello {"alice":3,"bob":2}',
      'owner is alice: true',
    ]);
  });

  it('examples/authenticated.mjs runs: a signed write crosses an authenticated subnet, the lease is the key owner\'s', async () => {
    const lines: string[] = [];
    const spy = vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => void lines.push(args.map(String).join(' ')));
    try {
      // @ts-expect-error: a plain .mjs example without types
      await import('../examples/authenticated.mjs');
    } finally {
      spy.mockRestore();
    }
    expect(lines).toEqual(['carol has ["budget","hiring"] signed by alice: true; bob: LEASE_HELD']);
  });
});
