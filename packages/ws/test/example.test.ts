import { describe, expect, it, vi } from 'vitest';

// Runs the README's example (resolved from source through the @p2p/source condition), so the
// README cannot drift from the code.
describe('README example', () => {
  it('examples/pair.mjs dials, delivers a frame and closes', async () => {
    const lines: string[] = [];
    const log = vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => void lines.push(args.map(String).join(' ')));
    const error = vi.spyOn(console, 'error').mockImplementation((...args: unknown[]) => void lines.push(`error: ${args.join(' ')}`));
    try {
      // @ts-expect-error: a plain .mjs example without types
      await import('../examples/pair.mjs');
    } finally {
      log.mockRestore();
      error.mockRestore();
    }
    expect(lines).toEqual(['true', '0,hi over WebSocket']);
  });
});
