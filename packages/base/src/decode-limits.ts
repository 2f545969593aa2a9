/**
 * Limits on what decoding one frame may build (PROTOCOL.md 9, F2 and F3): how many msgpack
 * elements, how deep, and how many bytes a body may decompress to. A msgpack element costs one
 * input byte but tens of heap bytes (an empty map is about 56), and compression shrinks 16 MiB
 * of empty maps to 16 KiB, so the element budget follows the bytes the peer actually sent, not
 * the decompressed size. Pure policy: the decoder enforces the numbers while it decodes.
 */

/** Limits a frame decode applies; every field has a default. */
export interface DecodeLimits {
  /**
   * Most msgpack elements (values of any type, each map key and each map value counting once)
   * the packet may hold. Counted from container headers before anything is allocated.
   * @default frameElementBudget(bytes on the wire): one per wire byte, at least 65,536, at most 1,048,576
   */
  maxElements?: number;
  /**
   * Deepest nesting of arrays and maps.
   * @default 64
   */
  maxDepth?: number;
  /**
   * Largest decompressed body (checksum plus msgpack).
   * @default frameDecodedBudget(bytes on the wire, maxBytes): 256 times the wire size, at least 4 MiB, at most `maxBytes`
   */
  maxDecodedBytes?: number;
}

/** Default nesting limit for frames and {@link decodeMsgpack}. */
export const DEFAULT_MAX_DEPTH = 64;

/** Element budget of a frame however small it is on the wire (room for any real message). */
export const MIN_FRAME_ELEMENTS = 65_536;

/** Element budget of a frame however large it is: about 60 MiB of heap in the worst case. */
export const MAX_FRAME_ELEMENTS = 1_048_576;

/**
 * The default element budget of a frame whose body took `wireBytes` on the wire: one element
 * per byte received, clamped to [{@link MIN_FRAME_ELEMENTS}, {@link MAX_FRAME_ELEMENTS}].
 */
export function frameElementBudget(wireBytes: number): number {
  return Math.min(MAX_FRAME_ELEMENTS, Math.max(MIN_FRAME_ELEMENTS, Math.floor(wireBytes)));
}

/** Decompressed size any compressed frame may reach, however small on the wire. */
export const MIN_FRAME_DECODED_BYTES = 4 * 1024 * 1024;

/** Largest expansion a compressed frame may claim beyond {@link MIN_FRAME_DECODED_BYTES} (real msgpack compresses far less). */
export const MAX_COMPRESSION_RATIO = 256;

/**
 * The default cap on a compressed frame's decompressed size: {@link MAX_COMPRESSION_RATIO}
 * times its `wireBytes`, at least {@link MIN_FRAME_DECODED_BYTES}, never above `maxBytes`. A
 * 16 KB zlib bomb stops inflating at 4 MiB instead of 16.
 */
export function frameDecodedBudget(wireBytes: number, maxBytes: number): number {
  return Math.min(maxBytes, Math.max(MIN_FRAME_DECODED_BYTES, wireBytes * MAX_COMPRESSION_RATIO));
}
