import { describe, expect, it } from 'vitest';
import { BASE58_ALPHABET, base58Decode, base58DecodeInt, base58Encode, base58EncodeInt } from '../src/base58';
import { fromHex, toHex } from '../src/bytes';
import { codeOf, loadFixture, prng, randomBytes } from './helpers';

interface Base58Vectors {
  alphabet: string;
  b58encode_int: { int: string; b58: string }[];
  b58encode: { hex: string; b58: string }[];
  b58decode_int: { b58: string; int: string }[];
}

const v = loadFixture<Base58Vectors>('base58.json');

describe('base58', () => {
  it('uses the vectors alphabet', () => {
    expect(BASE58_ALPHABET).toBe(v.alphabet);
  });

  for (const c of v.b58encode_int) {
    it(`encodes integer ${c.int.slice(0, 24)} as ${c.b58.slice(0, 16)}`, () => {
      expect(base58EncodeInt(BigInt(c.int))).toBe(c.b58);
      if (Number.isSafeInteger(Number(c.int))) expect(base58EncodeInt(Number(c.int))).toBe(c.b58);
      expect(base58DecodeInt(c.b58)).toBe(BigInt(c.int));
    });
  }

  for (const c of v.b58encode) {
    it(`encodes bytes ${c.hex.slice(0, 24) || '(empty)'}`, () => {
      expect(base58Encode(fromHex(c.hex))).toBe(c.b58);
      expect(toHex(base58Decode(c.b58))).toBe(c.hex);
    });
  }

  for (const c of v.b58decode_int) {
    it(`decodes ${c.b58.slice(0, 16)} as an integer`, () => {
      expect(base58DecodeInt(c.b58)).toBe(BigInt(c.int));
    });
  }

  it('strips leading zero bytes of integers (PROTOCOL.md 2.1 pitfall)', () => {
    // A digest beginning with 00: the integer encoding has no leading "1".
    const digest = fromHex('00' + 'ab'.repeat(31));
    expect(base58Encode(digest).startsWith('1')).toBe(true);
    expect(base58EncodeInt(BigInt('0x' + toHex(digest))).startsWith('1')).toBe(false);
  });

  it('rejects negative and unsafe integers', () => {
    expect(codeOf(() => base58EncodeInt(-1))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => base58EncodeInt(-1n))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => base58EncodeInt(1.5))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => base58EncodeInt(2 ** 60))).toBe('INVALID_ARGUMENT');
  });

  it('rejects characters outside the alphabet with a typed error', () => {
    for (const bad of ['0', 'O', 'I', 'l', 'abc0', ' 2', '2 ', '+', 'é', '\u0000']) {
      expect(codeOf(() => base58Decode(bad))).toBe('INVALID_BASE58');
      expect(codeOf(() => base58DecodeInt(bad))).toBe('INVALID_BASE58');
    }
  });

  it('round trips random integers and byte strings', () => {
    const rand = prng(58);
    for (let i = 0; i < 300; i++) {
      const bytes = randomBytes(rand, Math.floor(rand() * 70));
      expect(base58Decode(base58Encode(bytes))).toEqual(bytes);
      const n = BigInt('0x0' + toHex(bytes));
      expect(base58DecodeInt(base58EncodeInt(n))).toBe(n);
    }
  });
});
