// '@p2p/ws/transport' registers nothing until asked.
import { describe, expect, it } from 'vitest';
import { hasTransport } from '@p2p/base';
import { registerWs } from '../src/transport';

describe("'@p2p/ws/transport'", () => {
  it('has no import side effect; registerWs() registers both names once', () => {
    expect(hasTransport('ws')).toBe(false);
    expect(hasTransport('wss')).toBe(false);
    expect(registerWs()).toEqual(['ws', 'wss']);
    expect(registerWs()).toEqual([]);
  });
});
