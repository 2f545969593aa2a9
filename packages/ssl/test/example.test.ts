import { describe, expect, it } from 'vitest';
import { runExample } from '@p2p/test-kit';

// Runs the README's example (resolved from source through the @p2p/source condition), so the
// README cannot drift from the code.
describe('README example', () => {
  it('examples/pinned-pair.mjs connects with a pinned certificate and delivers a frame', async () => {
    // @ts-expect-error: a plain .mjs example without types
    const lines = await runExample(() => import('../examples/pinned-pair.mjs'));
    expect(lines).toEqual(['TLSv1.3 true', '0,hi over TLS']);
  });

  it('examples/identity-pair.mjs: each side reports the identity key of the other', async () => {
    // @ts-expect-error: a plain .mjs example without types
    const lines = await runExample(() => import('../examples/identity-pair.mjs'));
    expect(lines).toEqual(['true', 'true']);
  });
});
