// '@p2p/ssl/transport' registers nothing until asked (each test file runs in its own process).
import { describe, expect, it } from 'vitest';
import { createTransport, hasTransport } from '@p2p/base';
import { registerSsl } from '../src/transport';

describe("'@p2p/ssl/transport'", () => {
  it('has no import side effect; registerSsl() registers once', () => {
    expect(hasTransport('SSL')).toBe(false);
    expect(() => createTransport('SSL')).toThrow(
      expect.objectContaining({ code: 'TRANSPORT_NOT_FOUND', details: expect.objectContaining({ package: '@p2p/ssl' }) }),
    );
    expect(registerSsl()).toBe(true);
    expect(registerSsl()).toBe(false);
    expect(createTransport('SSL').encryption).toBe('SSL');
  });
});
