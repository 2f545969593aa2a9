import { describe, expect, it } from 'vitest';
import { fieldBytes, fieldText, isMapping, keyBytes, type KeyInput } from '../src/fields';
import { fromHex, toHex, utf8Encode } from '../src/bytes';
import { codeOf } from './helpers';

describe('fieldText', () => {
  it('reads str as is and bin as strict UTF-8', () => {
    expect(fieldText('abc')).toBe('abc');
    expect(fieldText('')).toBe('');
    expect(fieldText(utf8Encode('héllo ✓'))).toBe('héllo ✓');
    expect(fieldText(new Uint8Array(0))).toBe('');
  });

  it('refuses invalid UTF-8 instead of replacing it', () => {
    // lone continuation, truncated sequence, overlong encoding, surrogate half
    for (const hex of ['80', 'c3', 'e282', 'c0af', 'eda080', 'ff']) {
      expect(fieldText(fromHex(hex))).toBeUndefined();
      expect(fieldText(fromHex('41' + hex + '42'))).toBeUndefined();
    }
  });

  it('gives undefined for any other type', () => {
    for (const v of [null, undefined, 1, 1n, true, [], {}, new Map(), new ArrayBuffer(2), new Uint16Array(2)]) {
      expect(fieldText(v)).toBeUndefined();
    }
  });
});

describe('fieldBytes', () => {
  it('copies bin and encodes str', () => {
    const src = Uint8Array.of(1, 2, 3);
    const out = fieldBytes(src)!;
    expect(out).toEqual(src);
    expect(out).not.toBe(src);
    src[0] = 9;
    expect(out[0]).toBe(1);
    const view = new Uint8Array(Uint8Array.of(0, 5, 6, 0).buffer, 1, 2);
    const copy = fieldBytes(view)!;
    expect(toHex(copy)).toBe('0506');
    expect(copy.buffer).not.toBe(view.buffer);
    expect(toHex(fieldBytes('é')!)).toBe('c3a9');
  });

  it('gives undefined for any other type', () => {
    for (const v of [null, undefined, 0, {}, [1], new ArrayBuffer(1), new Uint16Array(1)]) expect(fieldBytes(v)).toBeUndefined();
  });
});

describe('isMapping', () => {
  it('accepts plain objects, null-prototype objects and Maps', () => {
    expect(isMapping({})).toBe(true);
    expect(isMapping({ a: 1 })).toBe(true);
    expect(isMapping(Object.create(null))).toBe(true);
    expect(isMapping(new Map([[1, 2]]))).toBe(true);
  });

  it('rejects everything else', () => {
    class Thing {}
    for (const v of [null, undefined, 1, 'x', [], [1], new Uint8Array(1), new DataView(new ArrayBuffer(1)), new Date(), new Set(), new Thing(), () => 1]) {
      expect(isMapping(v)).toBe(false);
    }
  });
});

describe('keyBytes', () => {
  it('encodes text as UTF-8', () => {
    expect(toHex(keyBytes('key'))).toBe('6b6579');
    expect(keyBytes('')).toEqual(new Uint8Array(0));
  });

  it('copies every binary input, so later mutation cannot change a stored key', () => {
    const u8 = Uint8Array.of(1, 2, 3);
    const ab = Uint8Array.of(4, 5).buffer;
    const backing = Uint8Array.of(0, 7, 8, 9, 0);
    const view = new DataView(backing.buffer, 1, 3);
    const u16 = Uint16Array.of(0x0102);
    const fromU8 = keyBytes(u8);
    const fromAb = keyBytes(ab);
    const fromView = keyBytes(view);
    const fromU16 = keyBytes(u16);
    u8[0] = 0;
    new Uint8Array(ab)[0] = 0;
    backing[1] = 0;
    u16[0] = 0;
    expect(toHex(fromU8)).toBe('010203');
    expect(toHex(fromAb)).toBe('0405');
    expect(toHex(fromView)).toBe('070809');
    expect(fromU16).toHaveLength(2);
    expect(fromU16.some((b) => b !== 0)).toBe(true);
    for (const out of [fromU8, fromAb, fromView, fromU16]) expect(out.constructor).toBe(Uint8Array);
  });

  it('rejects other types with INVALID_ARGUMENT', () => {
    for (const v of [1, 1n, null, undefined, true, {}, [1, 2], new Map(), Symbol('k')]) {
      expect(codeOf(() => keyBytes(v as unknown as KeyInput))).toBe('INVALID_ARGUMENT');
    }
    expect(() => keyBytes(5 as unknown as KeyInput, 'a chord key')).toThrow(/a chord key must be a string or bytes/);
  });
});
