/**
 * The short version of every fault-suite scenario (the full one is `pnpm stress` at the root):
 * each must pass its goal, with real nodes on 127.0.0.1 (targets in child processes).
 */
import { describe, expect, it } from 'vitest';
import { SCENARIOS } from '../src/scenarios/index';

describe('fault suite, short', () => {
  for (const name of Object.keys(SCENARIOS)) {
    it(name, async () => {
      const result = await SCENARIOS[name]!('short');
      expect(result.failures ?? [], JSON.stringify(result)).toEqual([]);
      expect(result.pass).toBe(true);
    });
  }
});
