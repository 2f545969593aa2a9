import { expect, it } from 'vitest';
import { main } from '../examples/records';

it('examples/records.ts runs', async () => {
  const lines: string[] = [];
  await main((...args) => lines.push(args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' ')));
  expect(lines).toEqual(['put seq 1', 'read {"nick":"ada"} seq 1 by owner', 'read {"nick":"countess"}']);
});
