import { describe, expect, it, vi } from 'vitest';

// Runs the README's example, so the README cannot drift from the code.
describe('README example', () => {
  it('examples/quickstart.mjs runs and gets both answers', async () => {
    const lines: string[] = [];
    const spy = vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => void lines.push(args.map(String).join(' ')));
    try {
      // @ts-expect-error: a plain .mjs example without types
      await import('../examples/quickstart.mjs');
    } finally {
      spy.mockRestore();
    }
    expect(lines).toEqual(['alice got answers from bob and carol']);
  });

  it('examples/authenticated.mjs runs: a signed broadcast crosses an authenticated subnet, a plain node is refused', async () => {
    const lines: string[] = [];
    const spy = vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => void lines.push(args.map(String).join(' ')));
    try {
      // @ts-expect-error: a plain .mjs example without types
      await import('../examples/authenticated.mjs');
    } finally {
      spy.mockRestore();
    }
    expect(lines).toEqual(['carol got "signed hello" from alice: true; plain node: PROTOCOL_MISMATCH']);
  });

  it('examples/paced-sender.mjs runs: a sender that awaits drained() whenever send() is full delivers everything', async () => {
    const lines: string[] = [];
    const spy = vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => void lines.push(args.map(String).join(' ')));
    try {
      // @ts-expect-error: a plain .mjs example without types
      await import('../examples/paced-sender.mjs');
    } finally {
      spy.mockRestore();
    }
    expect(lines).toEqual(['reader got 20000 of 20000; the sender waited for drain: true']);
  }, 60_000);
});
