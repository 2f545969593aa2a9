import { describe, expect, it } from 'vitest';
import { runExample } from '@p2p/testnet';

/** Strings as they are, anything else as JSON. */
const json = (a: unknown): string => (typeof a === 'string' ? a : JSON.stringify(a));

// Runs the README's example, so the README cannot drift from the code.
describe('README example', () => {
  it('examples/quickstart.mjs runs and prints what the README says', async () => {
    // @ts-expect-error: a plain .mjs example without types
    const lines = await runExample(() => import('../examples/quickstart.mjs'), { format: json });
    expect(lines).toEqual([
      'bob saw greeting hello',
      'bob: LEASE_HELD',
      'carol has hello {"alice":3,"bob":2}',
      'owner is alice: true',
    ]);
  });

  it('examples/authenticated.mjs runs: a signed write crosses an authenticated subnet, the lease is the key owner\'s', async () => {
    // @ts-expect-error: a plain .mjs example without types
    const lines = await runExample(() => import('../examples/authenticated.mjs'));
    expect(lines).toEqual(['carol has ["budget","hiring"] signed by alice: true; bob: LEASE_HELD']);
  });
});
