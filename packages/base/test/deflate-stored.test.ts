import { gunzipSync, inflateSync } from 'node:zlib';
import { gunzipSync as fflateGunzip, unzlibSync as fflateUnzlib } from 'fflate';
import { describe, expect, it } from 'vitest';
import { toHex, utf8Encode } from '../src/bytes';
import { getCompression } from '../src/compression';
import { STORED_BELOW, storedBytes, writeStored } from '../src/deflate-stored';
import { CompressionFlags } from '../src/flags';
import { prng, randomBytes } from './helpers';

const { zlib, gzip } = CompressionFlags;

function stored(flag: number, head: Uint8Array, tail: Uint8Array): Uint8Array {
  const out = new Uint8Array(storedBytes(flag, head.length + tail.length) + 3);
  out.fill(0xee);
  writeStored(flag, out, 3, head, tail);
  // Exactly storedBytes long: the bytes around it are untouched.
  expect(toHex(out.subarray(0, 3))).toBe('eeeeee');
  return out.subarray(3);
}

describe('stored deflate streams', () => {
  it('zlib and gzip streams of one stored block inflate to the input in node:zlib (strict wrapper) and fflate', () => {
    const rand = prng(21);
    for (const n of [0, 1, 31, 32, 33, 100, 255, 256, 1000, 5552, 5553, 20_000, 65_535]) {
      const data = randomBytes(rand, n);
      for (const split of [0, Math.min(32, n), n]) {
        const head = data.subarray(0, split);
        const tail = data.subarray(split);
        const z = stored(zlib, head, tail);
        expect(z.length).toBe(n + 11);
        expect(toHex(z.subarray(0, 2))).toBe('789c');
        expect(toHex(inflateSync(z))).toBe(toHex(data));
        expect(toHex(fflateUnzlib(z))).toBe(toHex(data));
        const g = stored(gzip, head, tail);
        expect(g.length).toBe(n + 23);
        expect(toHex(g.subarray(0, 2))).toBe('1f8b');
        expect(toHex(gunzipSync(g))).toBe(toHex(data));
        expect(toHex(fflateGunzip(g))).toBe(toHex(data));
        for (const flag of [zlib, gzip]) {
          expect(toHex(getCompression(flag).decompress(z, n))).toBe(toHex(data));
          expect(toHex(getCompression(flag).decompress(g, n))).toBe(toHex(data));
        }
      }
    }
  });

  it('a block holds at most 65,535 bytes', () => {
    const out = new Uint8Array(storedBytes(zlib, 65_536));
    expect(() => writeStored(zlib, out, 0, new Uint8Array(65_536), new Uint8Array(0))).toThrow(RangeError);
  });

  it('the methods store inputs below the threshold and deflate from it on', () => {
    for (const flag of [zlib, gzip]) {
      const method = getCompression(flag);
      const small = new Uint8Array(STORED_BELOW - 1).fill(1);
      expect(method.compress(small).length).toBe(storedBytes(flag, small.length));
      const large = utf8Encode('compressible '.repeat(40)).subarray(0, STORED_BELOW);
      const packed = method.compress(large);
      expect(packed.length).toBeLessThan(large.length / 2);
      expect(method.decompress(packed, large.length)).toEqual(large);
    }
  });
});
