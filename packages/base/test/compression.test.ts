import { deflateSync, gzipSync } from 'node:zlib';
import { compress as snappyCompress } from 'snappyjs';
import { describe, expect, it } from 'vitest';
import { fromHex, toHex, utf8Encode } from '../src/bytes';
import {
  chooseCompression,
  decodeCandidates,
  DEFAULT_COMPRESSIONS,
  getCompression,
  isSupportedCompression,
  negotiateReply,
} from '../src/compression';
import { P2PError } from '../src/errors';
import { CompressionFlags, ReservedCompressionFlags } from '../src/flags';
import { codeOf, flipByte, prng, randomBytes } from './helpers';

const { snappy, zlib, gzip, bz2, lzma } = CompressionFlags;

describe('compression methods', () => {
  it('advertises snappy, zlib, gzip', () => {
    expect(DEFAULT_COMPRESSIONS).toEqual([0x20, 0x13, 0x11]);
    expect(Object.isFrozen(DEFAULT_COMPRESSIONS)).toBe(true);
  });

  it('knows which flags it implements', () => {
    for (const f of [snappy, zlib, gzip]) {
      expect(isSupportedCompression(f)).toBe(true);
      expect(getCompression(f).flag).toBe(f);
    }
    for (const f of [bz2, lzma, ...Object.values(ReservedCompressionFlags), 0, 0x21, 255]) {
      expect(isSupportedCompression(f)).toBe(false);
      expect(codeOf(() => getCompression(f))).toBe('UNKNOWN_COMPRESSION');
    }
    expect(() => getCompression(bz2)).toThrow(/0x10 \(bz2\)/);
  });

  it('round trips random data with each method', () => {
    const rand = prng(7);
    for (const flag of DEFAULT_COMPRESSIONS) {
      const method = getCompression(flag);
      for (const size of [0, 1, 33, 1000, 70_000]) {
        const data = size > 1000 ? new Uint8Array(size).fill(7) : randomBytes(rand, size);
        const packed = method.compress(data);
        expect(Buffer.isBuffer(packed)).toBe(false);
        const out = method.decompress(packed, 1 << 20);
        expect(Buffer.isBuffer(out)).toBe(false);
        expect(toHex(out)).toBe(toHex(data));
      }
    }
  });

  it('emits the wrapper matching the flag and accepts either under zlib and gzip', () => {
    const data = utf8Encode('hello hello hello');
    expect(toHex(getCompression(zlib).compress(data)).slice(0, 4)).toBe('789c');
    expect(toHex(getCompression(gzip).compress(data)).slice(0, 4)).toBe('1f8b');
    for (const flag of [zlib, gzip]) {
      expect(getCompression(flag).decompress(deflateSync(data), 100)).toEqual(data);
      expect(getCompression(flag).decompress(gzipSync(data), 100)).toEqual(data);
    }
  });

  it('caps decompressed size (zip bombs) with FRAME_TOO_LARGE', () => {
    const bomb = new Uint8Array(4 << 20);
    for (const flag of DEFAULT_COMPRESSIONS) {
      const method = getCompression(flag);
      const packed = method.compress(bomb);
      expect(codeOf(() => method.decompress(packed, 1 << 20))).toBe('FRAME_TOO_LARGE');
      expect(method.decompress(packed, 4 << 20)).toHaveLength(4 << 20);
    }
  });

  it('refuses a forged snappy length header before decompressing', () => {
    // varint 0xffffffff, then one literal byte
    expect(codeOf(() => getCompression(snappy).decompress(fromHex('ffffffff0f0061'), 1 << 24))).toBe('FRAME_TOO_LARGE');
    expect(codeOf(() => getCompression(snappy).decompress(fromHex('ffffffffff'), 1 << 24))).toBe('DECOMPRESSION_FAILED');
    expect(codeOf(() => getCompression(snappy).decompress(fromHex(''), 1 << 24))).toBe('DECOMPRESSION_FAILED');
    expect(toHex(getCompression(snappy).decompress(snappyCompress(fromHex('0102')), 2))).toBe('0102');
  });

  it('corrupt input throws only typed errors', () => {
    const rand = prng(3);
    const sample = randomBytes(rand, 200);
    for (const flag of DEFAULT_COMPRESSIONS) {
      const method = getCompression(flag);
      expect(codeOf(() => method.decompress(fromHex('00112233'), 1000))).toMatch(/DECOMPRESSION_FAILED|FRAME_TOO_LARGE|no error/);
      const good = method.compress(sample);
      for (let i = 0; i < 300; i++) {
        const bad = good.slice(0, Math.floor(rand() * (good.length + 1)));
        if (bad.length > 0 && rand() < 0.5) flipByte(bad, Math.floor(rand() * bad.length), 1 + Math.floor(rand() * 255));
        try {
          method.decompress(bad, 10_000);
        } catch (err) {
          expect(err).toBeInstanceOf(P2PError);
          expect(['DECOMPRESSION_FAILED', 'FRAME_TOO_LARGE']).toContain((err as P2PError).code);
        }
      }
    }
    expect(codeOf(() => getCompression(zlib).decompress(deflateSync(sample).subarray(0, 20), 1000))).toBe('DECOMPRESSION_FAILED');
  });
});

describe('negotiation (PROTOCOL.md 1.7.3 - 1.7.5)', () => {
  it('chooses the first of mine that the peer lists', () => {
    expect(chooseCompression([snappy, zlib, gzip], [zlib, gzip, bz2, lzma])).toBe(zlib);
    expect(chooseCompression([snappy, zlib, gzip], [gzip, zlib, snappy])).toBe(snappy);
    expect(chooseCompression([zlib, gzip], [gzip])).toBe(gzip);
    expect(chooseCompression([snappy, zlib, gzip], [])).toBeNull();
    expect(chooseCompression([], [zlib])).toBeNull();
  });

  it('answers a renegotiation with mine ∩ theirs in my order', () => {
    expect(negotiateReply([snappy, zlib, gzip], [gzip, bz2, zlib])).toEqual([zlib, gzip]);
    expect(negotiateReply([snappy, zlib, gzip], [])).toEqual([]);
    expect(negotiateReply([zlib, zlib, gzip], [zlib])).toEqual([zlib]);
  });

  it('builds receive candidates: peer order, then raw, then the rest', () => {
    expect(decodeCandidates([zlib, gzip, bz2, lzma], DEFAULT_COMPRESSIONS)).toEqual([zlib, gzip, null, snappy]);
    expect(decodeCandidates([snappy, zlib, gzip, bz2, lzma])).toEqual([snappy, zlib, gzip, null]);
    expect(decodeCandidates([], DEFAULT_COMPRESSIONS)).toEqual([null, snappy, zlib, gzip]);
    expect(decodeCandidates([gzip, gzip], [zlib, gzip])).toEqual([gzip, null, zlib]);
    expect(decodeCandidates([bz2], [bz2, zlib])).toEqual([null, zlib]);
  });
});
