import { compress as snappyjsCompress, uncompress as snappyjsUncompress } from 'snappyjs';
import { describe, expect, it } from 'vitest';
import { bytesEqual, toHex } from '../src/bytes';
import { snappyDecompress } from '../src/snappy';
import { SNAPPY_LITERAL_BELOW, literalBlockHeaderBytes, snappyCompress, snappyCompressAfter, writeLiteralBlockHeader } from '../src/snappy-compress';
import { prng, randomBytes } from './helpers';

/** Decodes with both decoders: ours (strict) and snappyjs's, written independently of our writer. */
function bothDecode(block: Uint8Array, length: number): [Uint8Array, Uint8Array] {
  return [snappyDecompress(block, length), snappyjsUncompress(block, length)];
}

function literalBlock(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(literalBlockHeaderBytes(data.length) + data.length);
  const at = writeLiteralBlockHeader(out, 0, data.length);
  expect(at).toBe(literalBlockHeaderBytes(data.length));
  out.set(data, at);
  return out;
}

describe('snappy literal blocks', () => {
  it('below the threshold a block is one literal, at most 4 bytes longer than its input, read alike by both decoders', () => {
    const rand = prng(3);
    for (let n = 0; n < SNAPPY_LITERAL_BELOW; n++) {
      // Repetitive data would compress: the block must still be the literal.
      const data = n % 2 === 0 ? randomBytes(rand, n) : new Uint8Array(n).fill(n & 0xff);
      const block = snappyCompress(data);
      expect(block.length).toBe(literalBlockHeaderBytes(n) + n);
      expect(block.length - n).toBeLessThanOrEqual(4);
      expect(toHex(block.subarray(block.length - n))).toBe(toHex(data));
      for (const out of bothDecode(block, n)) expect(toHex(out)).toBe(toHex(data));
    }
  });

  it('encodes every tag width: 1..60, one to four length bytes', () => {
    // Lengths at each boundary of the varint and of the literal tag.
    for (const n of [1, 60, 61, 127, 128, 256, 257, 16_383, 16_384, 65_536, 65_537, 70_000]) {
      const data = randomBytes(prng(n), n);
      const block = literalBlock(data);
      for (const out of bothDecode(block, n)) expect(bytesEqual(out, data)).toBe(true);
    }
    expect(literalBlockHeaderBytes(0)).toBe(1);
    expect(literalBlockHeaderBytes(60)).toBe(2);
    expect(literalBlockHeaderBytes(61)).toBe(3);
    expect(literalBlockHeaderBytes(256)).toBe(4);
    expect(literalBlockHeaderBytes(257)).toBe(5);
    expect(literalBlockHeaderBytes(0x100_0001)).toBe(4 + 5);
    const header = new Uint8Array(9);
    expect(writeLiteralBlockHeader(header, 0, 0x100_0001)).toBe(9);
    // varint 0x1000001, then tag 63 << 2 and 0x1000000 in four little-endian bytes
    expect(toHex(header)).toBe('81808008' + 'fc' + '00000001');
  });

  it('our decoder returns a view into a one-literal block, not a copy', () => {
    const data = randomBytes(prng(5), 200);
    const block = snappyCompress(data);
    const out = snappyDecompress(block, 200);
    expect(out.buffer).toBe(block.buffer);
    expect(bytesEqual(out, data)).toBe(true);
    // A literal followed by a copy is decoded into an array of its own.
    const mixed = snappyDecompress(new Uint8Array([0x06, 0x04, 0x61, 0x62, 0x01, 0x02]), 6);
    expect(toHex(mixed)).toBe('616261626162');
    expect(mixed.buffer).not.toBe(block.buffer);
    // A literal shorter than the length header says is corrupt, not a view.
    expect(() => snappyDecompress(new Uint8Array([0x03, 0x04, 0x61, 0x62]), 3)).toThrow(/decodes to 2 bytes/);
  });

  it('from the threshold on, the compressor runs: the bytes snappyjs makes, with room left in front when asked', () => {
    const rand = prng(9);
    const kept: [Uint8Array, string][] = [];
    for (const n of [SNAPPY_LITERAL_BELOW, SNAPPY_LITERAL_BELOW + 1, 1000, 5000, 70_000, 300_000, 1000]) {
      const data = randomBytes(rand, n);
      for (let j = 0; j < n; j++) if (rand() < 0.5) data[j] = j % 7;
      const expected = snappyjsCompress(data);
      const block = snappyCompress(data);
      expect(toHex(block)).toBe(toHex(expected));
      expect(block.buffer.byteLength).toBe(block.length);
      const framed = snappyCompressAfter(4, data);
      expect(framed.length).toBe(4 + expected.length);
      expect(toHex(framed.subarray(4))).toBe(toHex(expected));
      for (const out of bothDecode(block, n)) expect(bytesEqual(out, data)).toBe(true);
      kept.push([block, toHex(block)]);
    }
    // The compressor's scratch is reused; no result shares it.
    for (const [block, hex] of kept) expect(toHex(block)).toBe(hex);
  });
});
