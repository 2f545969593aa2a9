// Importing '@p2p/ws' registers 'ws' and 'wss' (each test file runs in its own process).
import { describe, expect, it } from 'vitest';
import { createTransport, hasTransport, registerTransport } from '@p2p/base';
import '../src/index';
import { registerWs, wsTransport } from '../src/index';

describe("'@p2p/ws'", () => {
  it("registers 'ws' and 'wss' on import; registerWs() is idempotent unless forced", () => {
    expect(hasTransport('ws')).toBe(true);
    expect(createTransport('ws').encryption).toBe('ws');
    expect(createTransport('wss', { rejectUnauthorized: false }).encryption).toBe('wss');
    expect(registerWs()).toEqual([]);
    registerTransport('ws', () => wsTransport('wss'));
    expect(registerWs({ force: true })).toEqual(['ws', 'wss']);
    expect(createTransport('ws').encryption).toBe('ws');
  });

  it('validates options with INVALID_ARGUMENT', () => {
    for (const bad of [{ path: 'x' }, { path: '/a?b' }, { maxPayload: 0 }, { upgradeTimeout: -1 }, { key: 'k' }, { pinnedFingerprints: ['zz'] }, { rejectUnauthorized: 'no' }]) {
      expect(() => wsTransport('ws', bad as never), JSON.stringify(bad)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    }
    expect(() => wsTransport('tcp' as never)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });
});
