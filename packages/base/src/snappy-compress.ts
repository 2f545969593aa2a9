/// <reference path="./snappyjs.d.ts" />
/**
 * The snappy block writer (PROTOCOL.md 1.7.1, flag 0x20). A small input goes out as a block of
 * one literal: its length, a literal tag, the bytes. That is a valid block every decoder reads
 * (python-snappy, js2p's, snappyjs, our strict one in snappy.ts) as the same bytes, and the
 * protocol asks only for the same decompressed content. The compressor would spend more than
 * the rest of the frame's encoding to save a few percent there: a frame body starts with 32
 * bytes of checksum, and a small packet holds mostly ids. Larger inputs go through snappyjs.
 */
import { SnappyCompressor } from 'snappyjs/snappy_compressor.js';

/**
 * Inputs shorter than this become one literal. Measured on checksum + packet bodies: under 256
 * bytes snappy saves 0-15% (a chord retrieve grows by 4 bytes, a retrieved with a small value
 * shrinks by 22 of 193); from about 300 bytes on it saves 15-50%.
 */
export const SNAPPY_LITERAL_BELOW = 256;

/** Bytes of the block header (length varint and literal tag) before `n` literal bytes. */
export function literalBlockHeaderBytes(n: number): number {
  // An empty block is its length alone.
  return varintBytes(n) + (n === 0 ? 0 : n <= 60 ? 1 : n <= 0x100 ? 2 : n <= 0x1_0000 ? 3 : n <= 0x100_0000 ? 4 : 5);
}

/** Writes the block header for `n` literal bytes at `at`; returns where the bytes go. */
export function writeLiteralBlockHeader(out: Uint8Array, at: number, n: number): number {
  let p = at;
  for (let v = n; ; v = Math.floor(v / 128)) {
    if (v < 0x80) {
      out[p++] = v;
      break;
    }
    out[p++] = (v & 0x7f) | 0x80;
  }
  if (n === 0) return p;
  // Literal tag: (len - 1) in the upper six bits up to 60, else 60 + k and k little-endian bytes.
  const m = n - 1;
  if (m < 60) {
    out[p++] = m << 2;
    return p;
  }
  const extra = m < 0x100 ? 1 : m < 0x1_0000 ? 2 : m < 0x100_0000 ? 3 : 4;
  out[p++] = (59 + extra) << 2;
  for (let i = 0, v = m; i < extra; i++, v = Math.floor(v / 256)) out[p++] = v & 0xff;
  return p;
}

function varintBytes(n: number): number {
  let bytes = 1;
  for (let v = n; v >= 0x80; v = Math.floor(v / 128)) bytes++;
  return bytes;
}

// The compressor's worst-case output, reused: it is pure code, so nothing re-enters it.
const SCRATCH_KEEP_BYTES = 1024 * 1024;
let scratch = new Uint8Array(0);

/** Compresses `data` (a literal block below {@link SNAPPY_LITERAL_BELOW}); the result is its own array. */
export function snappyCompress(data: Uint8Array): Uint8Array {
  if (data.length < SNAPPY_LITERAL_BELOW) {
    const out = new Uint8Array(literalBlockHeaderBytes(data.length) + data.length);
    out.set(data, writeLiteralBlockHeader(out, 0, data.length));
    return out;
  }
  return snappyCompressAfter(0, data);
}

/**
 * Compresses `data` with snappyjs into a new array that leaves `at` bytes free before the block
 * (a frame header, say).
 */
export function snappyCompressAfter(at: number, data: Uint8Array): Uint8Array {
  const compressor = new SnappyCompressor(data);
  const max = compressor.maxCompressedLength();
  const buffer = scratch.length >= max ? scratch : new Uint8Array(max);
  const length = compressor.compressToBuffer(buffer);
  const out = new Uint8Array(at + length);
  out.set(buffer.subarray(0, length), at);
  if (buffer !== scratch && max <= SCRATCH_KEEP_BYTES) scratch = buffer;
  return out;
}
