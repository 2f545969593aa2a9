import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../src/bytes';
import { bigIntToBytes, bytesToBigInt, randomUuid, sha1, sha224, sha256, sha384, sha512 } from '../src/hash';
import { codeOf, loadFixture, prng, randomBytes } from './helpers';

interface ChordHashes {
  get_hashes: { key_hex: string; hashes: { method: string; int: string; hex: string }[] }[];
}

const vectors = loadFixture<ChordHashes>('chord-hashes.json');
const digests = { sha1, sha224, sha256, sha384, sha512 } as const;
// chord-hashes.json holds the digests shifted onto the 384-bit ring (PROTOCOL.md 2.5).
const shifts = { sha1: 224n, sha224: 160n, sha256: 128n, sha384: 0n, sha512: 0n } as const;

describe('hash', () => {
  for (const entry of vectors.get_hashes) {
    for (const h of entry.hashes) {
      const method = h.method as keyof typeof digests;
      it(`${method}(${entry.key_hex || '""'}) matches the chord vector`, () => {
        const digest = digests[method](fromHex(entry.key_hex));
        expect(toHex(digest)).toBe(h.hex.slice(0, digest.length * 2));
        expect(bytesToBigInt(digest) << shifts[method]).toBe(BigInt(h.int));
        expect(digest).toBeInstanceOf(Uint8Array);
        expect(Buffer.isBuffer(digest)).toBe(false);
      });
    }
  }

  it('reads every length of bytes as the integer their hex spells', () => {
    const rand = prng(31);
    for (let n = 0; n <= 80; n++) {
      const bytes = randomBytes(rand, n);
      if (n % 3 === 0 && n > 0) bytes[0] = 0;
      expect(bytesToBigInt(bytes)).toBe(n === 0 ? 0n : BigInt('0x' + toHex(bytes)));
    }
    expect(bytesToBigInt(new Uint8Array(48).fill(0xff))).toBe((1n << 384n) - 1n);
  });

  it('converts big-endian integers both ways', () => {
    expect(bytesToBigInt(new Uint8Array(0))).toBe(0n);
    expect(bytesToBigInt(fromHex('000102'))).toBe(0x102n);
    expect(bigIntToBytes(0n)).toEqual(new Uint8Array(0));
    expect(toHex(bigIntToBytes(0x102n))).toBe('0102');
    expect(toHex(bigIntToBytes(255n))).toBe('ff');
    expect(toHex(bigIntToBytes(256n))).toBe('0100');
    const big = (1n << 384n) - 1n;
    expect(bigIntToBytes(big)).toHaveLength(48);
    expect(bytesToBigInt(bigIntToBytes(big))).toBe(big);
    expect(codeOf(() => bigIntToBytes(-1n))).toBe('INVALID_ARGUMENT');
  });

  it('draws UUID4 salts', () => {
    expect(randomUuid()).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});
