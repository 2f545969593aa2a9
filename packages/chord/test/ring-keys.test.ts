import { describe, expect, it } from 'vitest';
import { base58EncodeInt } from '@p2p/base';
import { RING_SIZE, getHashes } from '@p2p/chord';
import { parseRingKey } from '../src/payloads';
import { ringKeyFromText, ringKeyText } from '../src/ring-key-codec';
import { RingKeyMap, mixRingKey, unmixRingKey } from '../src/ring-key-map';

describe('RingKeyMap', () => {
  it('mixing is a bijection: unmix(mix(k)) = k for shifted, unreduced and small keys', () => {
    const [a, b, c, d, e] = getHashes('some key');
    for (const k of [a, b, c, d, e, 0n, 1n, RING_SIZE - 1n, 1n << 256n, (1n << 512n) - 1n]) {
      expect(unmixRingKey(mixRingKey(k))).toBe(k);
    }
    // The low 64-bit digit of a shifted hash is zero; mixed, it is not.
    expect(a & 0xffffffffffffffffn).toBe(0n);
    expect(mixRingKey(a) & 0xffffffffffffffffn).not.toBe(0n);
  });

  it('behaves as a Map and iterates the original keys', () => {
    const map = new RingKeyMap<number>();
    const keys = Array.from({ length: 300 }, (_, i) => getHashes(`k-${i}`)[i % 3]!);
    keys.forEach((k, i) => map.set(k, i));
    expect(map.size).toBe(300);
    expect(keys.every((k, i) => map.get(k) === i && map.has(k))).toBe(true);
    expect(new Set(map.keys())).toEqual(new Set(keys));
    expect(map.delete(keys[0]!)).toBe(true);
    expect(map.has(keys[0]!)).toBe(false);
    expect([...map].length).toBe(299);
    map.clear();
    expect(map.size).toBe(0);
  });
});

describe('ring key base58', () => {
  it('encodes and decodes exactly as base58EncodeInt / parseRingKey', () => {
    const values = [0n, 1n, 57n, 58n, 58n ** 9n - 1n, 58n ** 9n, 58n ** 18n, RING_SIZE - 1n, (1n << 512n) - 1n];
    for (let i = 0; i < 300; i++) values.push(...getHashes(`b58-${i}`), BigInt(i) * 7919n);
    for (const k of values) {
      const text = base58EncodeInt(k);
      expect(ringKeyText(k)).toBe(text);
      expect(ringKeyFromText(text)).toBe(parseRingKey(text));
      expect(ringKeyFromText(`11${text}`)).toBe(k);
    }
    for (const bad of ['', '0', 'Il', 'abc+', 'x'.repeat(129)]) expect(ringKeyFromText(bad)).toBe(parseRingKey(bad));
  });

  it('writes the text exactly at 28-bit limb and 58^4 digit-group edges, and past the buffers', () => {
    const values: bigint[] = [];
    for (let bits = 1n; bits <= 900n; bits += 1n) values.push((1n << bits) - 1n, 1n << bits);
    for (let e = 1n; e <= 160n; e++) values.push(58n ** e - 1n, 58n ** e, 58n ** e + 1n);
    // A key with every limb at its maximum, and one with zero limbs between non-zero ones.
    values.push((1n << (28n * 19n)) - 1n, (1n << (28n * 10n)) + 1n, (1n << (28n * 32n)) - 1n);
    for (const k of values) expect(ringKeyText(k)).toBe(base58EncodeInt(k));
  });

  it('reads the text back exactly at the same edges, up to 128 digits, and refuses characters past the alphabet', () => {
    const values: bigint[] = [0n];
    for (let bits = 1n; bits <= 740n; bits += 1n) values.push((1n << bits) - 1n, 1n << bits);
    for (let e = 1n; e < 128n; e++) values.push(58n ** e - 1n, 58n ** e, 58n ** e + 1n);
    values.push((1n << (28n * 19n)) - 1n, (1n << (28n * 10n)) + 1n, 58n ** 128n - 1n);
    for (const k of values) {
      const text = base58EncodeInt(k);
      expect(text.length).toBeLessThanOrEqual(128);
      expect(ringKeyFromText(text)).toBe(k);
      expect(ringKeyFromText(text)).toBe(parseRingKey(text));
    }
    expect(ringKeyFromText('1'.repeat(128))).toBe(0n);
    for (const bad of ['2é', 'z\u0100', '\u{1F600}', '1 1', 'O0']) {
      expect(ringKeyFromText(bad)).toBeUndefined();
      expect(parseRingKey(bad)).toBeUndefined();
    }
  });
});
