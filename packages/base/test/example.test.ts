import { describe, expect, it, vi } from 'vitest';

// Runs the README's example (resolved from source through the @p2p/source condition), so the
// README cannot drift from the code.
describe('README example', () => {
  it('examples/codec.mjs runs and prints the mesh protocol id', async () => {
    const lines: string[] = [];
    const spy = vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => void lines.push(args.map(String).join(' ')));
    try {
      // @ts-expect-error: a plain .mjs example without types
      await import('../examples/codec.mjs');
    } finally {
      spy.mockRestore();
    }
    expect(lines[0]).toBe('EpAmyZWv9rZUKmjQgU3FTUD4GrJHvVEXizmghVBc8eGD');
  });
});
