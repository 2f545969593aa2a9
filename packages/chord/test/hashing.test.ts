import { describe, expect, it } from 'vitest';
import { base58EncodeInt, fromHex, toHex } from '@p2p/base';
import { HASH_METHODS, RING_SIZE, distance, getHashes } from '@p2p/chord';
import { fixture } from './helpers';

const vectors = fixture('chord-hashes.json');

describe('getHashes (py2p vectors)', () => {
  it('uses py2p table order and ring size', () => {
    expect([...HASH_METHODS]).toEqual(vectors.hash_methods);
    expect(RING_SIZE.toString()).toBe(vectors.ring_size);
  });

  for (const c of vectors.get_hashes as Array<{ key_hex: string; hashes: Array<{ method: string; int: string; hex: string; b58: string }> }>) {
    it(`key ${JSON.stringify(c.key_hex)}`, () => {
      const hashes = getHashes(fromHex(c.key_hex));
      c.hashes.forEach((h, i) => {
        expect(HASH_METHODS[i]).toBe(h.method);
        expect(hashes[i]!.toString()).toBe(h.int);
        expect(base58EncodeInt(hashes[i]!)).toBe(h.b58);
      });
    });
  }

  it('encodes text keys as UTF-8', () => {
    expect(getHashes('test key')).toEqual(getHashes(new TextEncoder().encode('test key')));
    expect(base58EncodeInt(getHashes('test key')[4])).toBe(
      '446Ub9e6sQQE4xWne1avkxaiz7S3m1JgAse8Cs1sGyu5R6YQC3T4wWrXB92hTBnuYzUAz4ZGnoUETPv5C3MdAQBT',
    );
    expect(toHex(new Uint8Array())).toBe('');
  });
});

describe('distance (py2p vectors)', () => {
  for (const c of vectors.distance as Array<{ a: string; b: string; limit: string | null; distance: string }>) {
    it(`(${c.a.slice(0, 12)}, ${c.b.slice(0, 12)}, ${c.limit ?? '2^384'})`, () => {
      const d = c.limit === null ? distance(BigInt(c.a), BigInt(c.b)) : distance(BigInt(c.a), BigInt(c.b), BigInt(c.limit));
      expect(d.toString()).toBe(c.distance);
    });
  }

  it('is always in [0, limit)', () => {
    expect(distance(5n, 3n, 7n)).toBe(5n);
    expect(distance(0n, RING_SIZE)).toBe(0n);
    expect(() => distance(1n, 2n, 0n)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });
});
