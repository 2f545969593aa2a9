import { describe, expect, it } from 'vitest';
import { runExample } from '@p2p/test-kit';

// Runs the README's example (resolved from source through the @p2p/source condition), so the
// README cannot drift from the code.
describe('README example', () => {
  it('examples/pair.mjs dials, delivers a frame and closes', async () => {
    // @ts-expect-error: a plain .mjs example without types
    const lines = await runExample(() => import('../examples/pair.mjs'));
    expect(lines).toEqual(['true', '0,hi over WebSocket']);
  });
});
