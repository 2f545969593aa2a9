import { describe, expect, it } from 'vitest';
import { bytesEqual, compareBytes, concatBytes, fromHex, joinBytes, toHex, utf8Decode, utf8Encode } from '../src/bytes';
import { codeOf } from './helpers';

describe('bytes', () => {
  it('hex round trips and rejects bad input', () => {
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    expect(fromHex(toHex(all))).toEqual(all);
    expect(toHex(fromHex('00FFab'))).toBe('00ffab');
    expect(toHex(new Uint8Array(0))).toBe('');
    // Long inputs are written in pieces: every byte value, past several pieces, still exact.
    const long = Uint8Array.from({ length: 3 * 4096 + 7 }, (_, i) => (i * 37) & 255);
    expect(toHex(long)).toBe(Array.from(long, (b) => b.toString(16).padStart(2, '0')).join(''));
    expect(fromHex(toHex(long))).toEqual(long);
    expect(codeOf(() => fromHex('abc'))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => fromHex('zz'))).toBe('INVALID_ARGUMENT');
  });

  it('utf8 round trips', () => {
    for (const s of ['', 'abc', 'é', '测试', '😀']) expect(utf8Decode(utf8Encode(s))).toBe(s);
    expect(toHex(utf8Encode('é'))).toBe('c3a9');
  });

  it('utf8Encode gives TextEncoder\'s bytes at every length around the short-ASCII path', () => {
    const encoder = new TextEncoder();
    for (let n = 0; n <= 70; n++) {
      for (const s of ['k'.repeat(n), 'k'.repeat(Math.max(0, n - 1)) + 'é', 'é' + 'k'.repeat(n), '\ud800'.repeat(n % 3) + 'x'.repeat(n)]) {
        const out = utf8Encode(s);
        expect(toHex(out)).toBe(toHex(encoder.encode(s)));
        expect(out.constructor).toBe(Uint8Array);
      }
    }
  });

  it('compares, concatenates and tests equality', () => {
    const a = fromHex('0102');
    expect(bytesEqual(a, fromHex('0102'))).toBe(true);
    expect(bytesEqual(a, fromHex('0103'))).toBe(false);
    expect(bytesEqual(a, fromHex('01'))).toBe(false);
    expect(toHex(concatBytes(a, new Uint8Array(0), fromHex('ff')))).toBe('0102ff');
    // The array form: the same bytes, for more parts than a spread call would take well.
    expect(toHex(joinBytes([a, new Uint8Array(0), fromHex('ff')]))).toBe('0102ff');
    const many = Array.from({ length: 200_000 }, (_, i) => Uint8Array.of(i & 255));
    expect(joinBytes(many)).toEqual(Uint8Array.from({ length: 200_000 }, (_, i) => i & 255));
    expect(joinBytes([])).toEqual(new Uint8Array(0));
    expect(compareBytes(a, fromHex('0103'))).toBeLessThan(0);
    expect(compareBytes(fromHex('02'), a)).toBeGreaterThan(0);
    expect(compareBytes(fromHex('01'), a)).toBeLessThan(0);
    expect(compareBytes(a, fromHex('0102'))).toBe(0);
  });
});
