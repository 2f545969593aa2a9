import { describe, expect, it } from 'vitest';
import { concatBytes, utf8Encode } from '../src/bytes';
import { getCompression } from '../src/compression';
import {
  DEFAULT_MAX_DEPTH,
  MAX_COMPRESSION_RATIO,
  MAX_FRAME_ELEMENTS,
  MIN_FRAME_DECODED_BYTES,
  MIN_FRAME_ELEMENTS,
  frameDecodedBudget,
  frameElementBudget,
} from '../src/decode-limits';
import { P2PError } from '../src/errors';
import { CompressionFlags } from '../src/flags';
import { DEFAULT_MAX_FRAME_BYTES, encodeFrame } from '../src/frame';
import { decodeFrameBody } from '../src/frame-decode';
import { sha256 } from '../src/hash';
import { decodeArrayWithRaw, decodeMsgpack, encodeMsgpack } from '../src/msgpack';
import { codeOf, errorOf } from './helpers';

const ZLIB = CompressionFlags.zlib;


/** `[0, sender, time, 0, <count elements of one byte each, array32-framed>]` as packed msgpack. */
function packetOfMany(count: number, byte: number): Uint8Array {
  const head = encodeMsgpack([0, utf8Encode('sender'), 1_500_000_000, 0]);
  const header = new Uint8Array([0xdd, count >>> 24, (count >>> 16) & 0xff, (count >>> 8) & 0xff, count & 0xff]);
  const items = new Uint8Array(count).fill(byte);
  // Re-count the outer array: 5 elements instead of 4.
  const outer = head.slice();
  outer[0] = 0x95;
  return concatBytes(outer, header, items);
}

function body(packed: Uint8Array, compression: number | null): Uint8Array {
  const inner = concatBytes(sha256(packed), packed);
  return compression === null ? inner : getCompression(compression).compress(inner);
}

describe('msgpack element budget', () => {
  it('counts every value, map keys and values included', () => {
    const bytes = encodeMsgpack([1, 2, 3]); // the array and three ints
    expect(decodeMsgpack(bytes, { maxElements: 4 })).toEqual([1, 2, 3]);
    expect(codeOf(() => decodeMsgpack(bytes, { maxElements: 3 }))).toBe('BAD_MSGPACK');
    const map = encodeMsgpack({ a: 1, b: [2] }); // map, 2 keys, 1, array, 2
    expect(decodeMsgpack(map, { maxElements: 6 })).toEqual({ a: 1, b: [2] });
    expect(errorOf(() => decodeMsgpack(map, { maxElements: 5 })).details).toMatchObject({ limit: 'elements', max: 5 });
    expect(decodeArrayWithRaw(bytes, { maxElements: 4 }).values).toEqual([1, 2, 3]);
    expect(codeOf(() => decodeArrayWithRaw(bytes, { maxElements: 3 }))).toBe('BAD_MSGPACK');
  });

  it('stops at the container header, before allocating or reading its entries', () => {
    const packed = packetOfMany(1_000_000, 0x80);
    const err = errorOf(() => decodeMsgpack(packed, { maxElements: 1000 }));
    expect(err.code).toBe('BAD_MSGPACK');
    // The header of the big array ends right after the four small fields: nothing past it was read.
    expect(err.details).toMatchObject({ limit: 'elements', max: 1000 });
    expect(err.details!.offset as number).toBeLessThan(40);
  });

  it('nested containers share one budget', () => {
    // 300 arrays of 300 empty maps: every header fits alone, the sum does not.
    const inner = [...Array(300)].map(() => ({}));
    const bytes = encodeMsgpack([...Array(300)].map(() => inner));
    expect(errorOf(() => decodeMsgpack(bytes, { maxElements: 50_000 })).details).toMatchObject({ limit: 'elements' });
    expect((decodeMsgpack(bytes, { maxElements: 300 * 301 + 1 }) as unknown[]).length).toBe(300);
  });

  it('reports the depth limit with details', () => {
    let v: unknown = 1;
    for (let i = 0; i < DEFAULT_MAX_DEPTH + 1; i++) v = [v];
    expect(errorOf(() => decodeMsgpack(encodeMsgpack(v))).details).toMatchObject({ limit: 'depth', max: DEFAULT_MAX_DEPTH });
  });
});

describe('frame decode limits', () => {
  it('frameElementBudget: one per wire byte, with a floor and a ceiling', () => {
    expect(frameElementBudget(0)).toBe(MIN_FRAME_ELEMENTS);
    expect(frameElementBudget(100_000)).toBe(100_000);
    expect(frameElementBudget(16 << 20)).toBe(MAX_FRAME_ELEMENTS);
  });

  it('rejects 16M empty maps compressed to ~16 KB: inflating stops at the ratio cap', () => {
    const packed = packetOfMany(16 * 1024 * 1024 - 64, 0x80);
    const compressed = body(packed, ZLIB);
    expect(compressed.length).toBeLessThan(64 * 1024);
    expect(frameDecodedBudget(compressed.length, DEFAULT_MAX_FRAME_BYTES)).toBeLessThan(MIN_FRAME_DECODED_BYTES + (64 << 10));
    expect(codeOf(() => decodeFrameBody(compressed, { candidates: [ZLIB] }))).toBe('FRAME_TOO_LARGE');
    // Allowed to inflate all 16 MiB, the element budget stops it at the big array's header.
    const err = errorOf(() => decodeFrameBody(compressed, { candidates: [ZLIB, null], maxDecodedBytes: DEFAULT_MAX_FRAME_BYTES }));
    expect(err.code).toBe('BAD_MSGPACK');
    expect(err.details).toMatchObject({ limit: 'elements', max: MIN_FRAME_ELEMENTS });
    expect(err.details!.offset as number).toBeLessThan(40);
  });

  it('rejects 4M empty maps (within the ratio cap) with BAD_MSGPACK (elements) by default', () => {
    const compressed = body(packetOfMany(4 * 1024 * 1024 - 1024, 0x80), ZLIB);
    expect(errorOf(() => decodeFrameBody(compressed, { candidates: [ZLIB] })).details).toMatchObject({ limit: 'elements', max: MIN_FRAME_ELEMENTS });
  });

  it('the decoded-size cap: 256 times the wire size, at least 4 MiB, at most maxBytes', () => {
    expect(frameDecodedBudget(100, 16 << 20)).toBe(4 << 20);
    expect(frameDecodedBudget(32 * 1024, 16 << 20)).toBe(8 << 20);
    expect(frameDecodedBudget(1 << 20, 16 << 20)).toBe(16 << 20);
    expect(frameDecodedBudget(100, 1 << 20)).toBe(1 << 20);
    expect(MAX_COMPRESSION_RATIO).toBe(256);
  });

  it('rejects the same raw (16 MiB on the wire) at the ceiling', () => {
    const packed = packetOfMany(16 * 1024 * 1024 - 64, 0x90);
    const err = errorOf(() => decodeFrameBody(body(packed, null)));
    expect(err.details).toMatchObject({ limit: 'elements', max: MAX_FRAME_ELEMENTS });
  });

  it('accepts an honest large message, and an explicit maxElements overrides the budget', () => {
    const values = [...Array(200_000)].map((_, i) => i % 100);
    const frame = encodeFrame({ type: 0, sender: 'abc', time: 1, payload: [0, values] });
    expect(decodeFrameBody(frame.subarray(4)).payload[1]).toHaveLength(200_000);
    // The same compressed shrinks far below one byte per element: over budget by default ...
    const zipped = encodeFrame({ type: 0, sender: 'abc', time: 1, payload: [0, values.map(() => 0)] }, { compression: ZLIB });
    expect(codeOf(() => decodeFrameBody(zipped.subarray(4), { candidates: [ZLIB] }))).toBe('BAD_MSGPACK');
    // ... unless the caller raises the limit.
    const ok = decodeFrameBody(zipped.subarray(4), { candidates: [ZLIB], maxElements: 300_000 });
    expect(ok.payload[1]).toHaveLength(200_000);
  });

  it('maxDepth and maxDecodedBytes reach the frame decoder', () => {
    let v: unknown = 1;
    for (let i = 0; i < 10; i++) v = [v];
    const frame = encodeFrame({ type: 0, sender: 'abc', time: 1, payload: [0, v] });
    expect(decodeFrameBody(frame.subarray(4)).payload).toHaveLength(2);
    expect(errorOf(() => decodeFrameBody(frame.subarray(4), { maxDepth: 8 })).details).toMatchObject({ limit: 'depth', max: 8 });

    const big = encodeFrame({ type: 0, sender: 'abc', time: 1, payload: [0, new Uint8Array(1 << 20)] }, { compression: ZLIB });
    expect(decodeFrameBody(big.subarray(4), { candidates: [ZLIB] }).payload).toHaveLength(2);
    expect(codeOf(() => decodeFrameBody(big.subarray(4), { candidates: [ZLIB], maxDecodedBytes: 64 * 1024 }))).toBe('FRAME_TOO_LARGE');
    expect(codeOf(() => decodeFrameBody(big.subarray(4), { candidates: [ZLIB], maxBytes: 100 }))).toBe('FRAME_TOO_LARGE');
  });
});
