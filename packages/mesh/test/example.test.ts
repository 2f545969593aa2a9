import { describe, expect, it } from 'vitest';
import { runExample } from '@p2p/testnet';

// Runs the README's example, so the README cannot drift from the code.
describe('README example', () => {
  it('examples/quickstart.mjs runs and gets both answers', async () => {
    // @ts-expect-error: a plain .mjs example without types
    const lines = await runExample(() => import('../examples/quickstart.mjs'));
    expect(lines).toEqual(['alice got answers from bob and carol']);
  });

  it('examples/authenticated.mjs runs: a signed broadcast crosses an authenticated subnet, a plain node is refused', async () => {
    // @ts-expect-error: a plain .mjs example without types
    const lines = await runExample(() => import('../examples/authenticated.mjs'));
    expect(lines).toEqual(['carol got "signed hello" from alice: true; plain node: PROTOCOL_MISMATCH']);
  });

  it('examples/paced-sender.mjs runs: a sender that awaits drained() whenever send() is full delivers everything', async () => {
    // @ts-expect-error: a plain .mjs example without types
    const lines = await runExample(() => import('../examples/paced-sender.mjs'));
    expect(lines).toEqual(['reader got 20000 of 20000; the sender waited for drain: true']);
  }, 60_000);
});
