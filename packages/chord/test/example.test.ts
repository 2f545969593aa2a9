import { expect, it } from 'vitest';
import { main } from '../examples/basic';

it('examples/basic.ts runs', async () => {
  const lines: string[] = [];
  await main((...args) => lines.push(args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' ')));
  expect(lines).toContain('read on b: {"text":"hello","lang":"en"}');
  expect(lines).toContain('after delete: gone');
  expect(lines.some((l) => l.startsWith('merged:'))).toBe(true);
});
