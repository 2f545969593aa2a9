import { compress as snappyCompress } from 'snappyjs';
import { describe, expect, it } from 'vitest';
import { bytesEqual, fromHex, toHex } from '../src/bytes';
import { P2PError } from '../src/errors';
import { snappyDecompress } from '../src/snappy';
import { codeOf, flipByte, prng, randomBytes } from './helpers';

describe('snappy block decoder', () => {
  it('decodes what snappyjs encodes', () => {
    const rand = prng(11);
    for (let i = 0; i < 200; i++) {
      const size = Math.floor(rand() * 5000);
      // Mix random and repetitive data so literals, short and long copies all occur.
      const data = randomBytes(rand, size);
      for (let j = 0; j < size; j++) if (rand() < 0.6) data[j] = j % (1 + (i % 13));
      expect(bytesEqual(snappyDecompress(snappyCompress(data), size), data)).toBe(true);
    }
    const zeros = new Uint8Array(1 << 20);
    const packed = snappyCompress(zeros);
    const out = snappyDecompress(packed, 1 << 20);
    expect(bytesEqual(out, zeros)).toBe(true);
  });

  it('decodes hand-made blocks: long literals, overlapping and 4-byte-offset copies', () => {
    // length 70, literal "ab" then copy-2 len 64 offset 2, copy-1 len 4 offset 2
    expect(toHex(snappyDecompress(fromHex('46' + '046162' + 'fe0200' + '0102'), 70))).toBe('6162'.repeat(35));
    // literal with a 1-byte length extension (61 bytes)
    const lit = new Uint8Array(61).fill(5);
    expect(snappyDecompress(fromHex('3d' + 'f03c' + toHex(lit)), 61)).toEqual(lit);
    // copy-4 tag: "xyz" then 3 bytes at offset 3
    expect(toHex(snappyDecompress(fromHex('06' + '0878797a' + '0b03000000'), 6))).toBe('78797a78797a');
  });

  // Some of these loop snappyjs's decoder for minutes; the test's time bound catches a hang.
  it('rejects forged and corrupt blocks with typed errors', () => {
    const bad = [
      '', // no header
      'ff', // unterminated varint
      'ffffffffff01', // varint beyond 32 bits
      '0a0061', // literal shorter than announced output
      '01fc00000080', // literal with a negative-looking 4-byte length (loops snappyjs)
      '01fcffffffff', // literal length 2^32
      '0405', // copy-1 with no preceding output
      '0a006105ff', // copy offset past the output
      '020061', // literal truncated
      '0200616262', // output longer than announced
      '0302', // truncated copy-2 tag
      '0303000000', // truncated copy-4 tag
      '7f00', // claims 127 bytes from a 1-byte block: impossible ratio
    ];
    for (const h of bad) expect(codeOf(() => snappyDecompress(fromHex(h), 1 << 24)), h).toBe('DECOMPRESSION_FAILED');
    expect(codeOf(() => snappyDecompress(snappyCompress(new Uint8Array(100)), 99))).toBe('FRAME_TOO_LARGE');
  });

  it('fuzz: mutated blocks only throw typed errors', () => {
    const rand = prng(77);
    const good = snappyCompress(randomBytes(rand, 500).map((b, i) => (i % 3 === 0 ? b : i % 7)));
    for (let i = 0; i < 3000; i++) {
      const input = i % 2 === 0 ? randomBytes(rand, Math.floor(rand() * 64)) : good.slice();
      if (i % 2 === 1) flipByte(input, Math.floor(rand() * input.length), 1 + Math.floor(rand() * 255));
      try {
        snappyDecompress(input, 1 << 20);
      } catch (err) {
        expect(err).toBeInstanceOf(P2PError);
      }
    }
  });
});
