import { describe, expect, it, vi } from 'vitest';

// Runs the README's example (resolved from source through the @p2p/source condition), so the
// README cannot drift from the code.
describe('README example', () => {
  it('examples/pinned-pair.mjs connects with a pinned certificate and delivers a frame', async () => {
    const lines: string[] = [];
    const log = vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => void lines.push(args.map(String).join(' ')));
    const error = vi.spyOn(console, 'error').mockImplementation((...args: unknown[]) => void lines.push(`error: ${args.join(' ')}`));
    try {
      // @ts-expect-error: a plain .mjs example without types
      await import('../examples/pinned-pair.mjs');
    } finally {
      log.mockRestore();
      error.mockRestore();
    }
    expect(lines).toEqual(['TLSv1.3 true', '0,hi over TLS']);
  });

  it('examples/identity-pair.mjs: each side reports the identity key of the other', async () => {
    const lines: string[] = [];
    const log = vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => void lines.push(args.map(String).join(' ')));
    const error = vi.spyOn(console, 'error').mockImplementation((...args: unknown[]) => void lines.push(`error: ${args.join(' ')}`));
    try {
      // @ts-expect-error: a plain .mjs example without types
      await import('../examples/identity-pair.mjs');
    } finally {
      log.mockRestore();
      error.mockRestore();
    }
    expect(lines).toEqual(['true', 'true']);
  });
});
