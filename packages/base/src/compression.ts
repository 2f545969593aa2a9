/**
 * Frame compression methods and their negotiation (PROTOCOL.md 1.7). zlib and gzip come from
 * the platform seam (`#platform`: node:zlib in Node, fflate in browsers, both capped while
 * inflating); snappy (raw block format) compresses with snappyjs and decompresses with our
 * strict decoder. Small inputs are not compressed but wrapped (a snappy literal, a stored
 * deflate block: snappy-compress.ts, deflate-stored.ts), which every decoder reads alike.
 */
import { gzipCompress, unzip, zlibCompress } from '#platform';
import { OutputLimitError } from './platform/output-limit';
import { STORED_BELOW, storedBytes, writeStored } from './deflate-stored';
import { snappyCompress } from './snappy-compress';
import { DecompressionError, FrameTooLargeError, UnknownCompressionError } from './errors';
import { CompressionFlags, ReservedCompressionFlags } from './flags';
import { snappyDecompress } from './snappy';

/** One compression method, keyed by its flag. */
export interface CompressionMethod {
  readonly flag: number;
  readonly name: string;
  /** The method's format of `data`; small inputs may be wrapped rather than compressed. */
  compress(data: Uint8Array): Uint8Array;
  /**
   * Throws `FRAME_TOO_LARGE` when the output would exceed `maxOutputBytes`, and
   * `DECOMPRESSION_FAILED` on corrupt input. The output may be a view into `data` (a snappy
   * block of one literal).
   */
  decompress(data: Uint8Array, maxOutputBytes: number): Uint8Array;
}

/**
 * What we advertise, best first (PROTOCOL.md 1.7.2): the order py2p and js2p use, so both ends
 * of a link pick the same method; snappy leads because it is by far the cheapest on CPU.
 */
export const DEFAULT_COMPRESSIONS: readonly number[] = Object.freeze([
  CompressionFlags.snappy,
  CompressionFlags.zlib,
  CompressionFlags.gzip,
]);

function tooLarge(flag: number, limit: number, cause?: unknown): FrameTooLargeError {
  return new FrameTooLargeError(`decompressed body exceeds ${limit} bytes`, {
    cause,
    details: { compression: flag, maxBytes: limit },
  });
}

function corrupt(flag: number, name: string, cause: unknown): DecompressionError {
  return new DecompressionError(`invalid ${name} data`, { cause, details: { compression: flag } });
}

// zlib decodes both wrappers under both flags, as py2p does (PROTOCOL.md 1.7.1).
function inflateEither(flag: number, name: string, data: Uint8Array, maxOutputBytes: number): Uint8Array {
  try {
    return unzip(data, maxOutputBytes);
  } catch (err) {
    if (err instanceof OutputLimitError) throw tooLarge(flag, maxOutputBytes, err);
    throw corrupt(flag, name, err);
  }
}

function stored(flag: number, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(storedBytes(flag, data.length));
  writeStored(flag, out, 0, data, EMPTY);
  return out;
}

const EMPTY = new Uint8Array(0);

const zlibMethod: CompressionMethod = Object.freeze({
  flag: CompressionFlags.zlib,
  name: 'zlib',
  compress: (data: Uint8Array) => (data.length < STORED_BELOW ? stored(CompressionFlags.zlib, data) : zlibCompress(data)),
  decompress: (data: Uint8Array, max: number) => inflateEither(CompressionFlags.zlib, 'zlib', data, max),
});

const gzipMethod: CompressionMethod = Object.freeze({
  flag: CompressionFlags.gzip,
  name: 'gzip',
  compress: (data: Uint8Array) => (data.length < STORED_BELOW ? stored(CompressionFlags.gzip, data) : gzipCompress(data)),
  decompress: (data: Uint8Array, max: number) => inflateEither(CompressionFlags.gzip, 'gzip', data, max),
});

const snappyMethod: CompressionMethod = Object.freeze({
  flag: CompressionFlags.snappy,
  name: 'snappy',
  compress: (data: Uint8Array) => snappyCompress(data),
  // Our own strict decoder: snappyjs's can loop for ages on forged input (see snappy.ts).
  decompress: (data: Uint8Array, max: number) => snappyDecompress(data, max),
});

const METHODS: ReadonlyMap<number, CompressionMethod> = new Map([
  [zlibMethod.flag, zlibMethod],
  [gzipMethod.flag, gzipMethod],
  [snappyMethod.flag, snappyMethod],
]);

const FLAG_NAMES: ReadonlyMap<number, string> = new Map(
  [...Object.entries(CompressionFlags), ...Object.entries(ReservedCompressionFlags)].map(([name, flag]) => [flag, name]),
);

/** True for the flags this package implements (snappy, zlib, gzip). */
export function isSupportedCompression(flag: number): boolean {
  return METHODS.has(flag);
}

/** The method for `flag`, or undefined when this package does not implement it (never throws). */
export function findCompression(flag: number): CompressionMethod | undefined {
  return METHODS.get(flag);
}

/**
 * The method for `flag`. Throws `UNKNOWN_COMPRESSION` for anything not implemented, including
 * py2p's bz2 (0x10) and lzma (0x12) and the reserved names 0x14..0x1F.
 */
export function getCompression(flag: number): CompressionMethod {
  const method = METHODS.get(flag);
  if (method !== undefined) return method;
  const name = FLAG_NAMES.get(flag);
  const shown = `0x${Number(flag).toString(16).padStart(2, '0')}${name === undefined ? '' : ` (${name})`}`;
  throw new UnknownCompressionError(`compression ${shown} is not supported`, { details: { flag, name } });
}

/** Sender's choice (PROTOCOL.md 1.7.3): the first of `mine` that the peer listed, or null. */
export function chooseCompression(mine: readonly number[], theirs: readonly number[]): number | null {
  for (const m of mine) if (theirs.includes(m)) return m;
  return null;
}

/** The list to answer a renegotiation with (PROTOCOL.md 1.7.5): `mine ∩ theirs`, in my order. */
export function negotiateReply(mine: readonly number[], theirs: readonly number[]): number[] {
  return mine.filter((m, i) => theirs.includes(m) && mine.indexOf(m) === i);
}

/**
 * Receiver's trial order (PROTOCOL.md 1.7.4, TS rule): the peer's supported methods in its
 * order, then raw (`null`), then every other supported method, to survive frames compressed
 * under a list that has since been renegotiated.
 */
export function decodeCandidates(
  peerList: readonly number[],
  supported: readonly number[] = DEFAULT_COMPRESSIONS,
): (number | null)[] {
  const usable = supported.filter(isSupportedCompression);
  const out: (number | null)[] = [];
  for (const m of peerList) if (usable.includes(m) && !out.includes(m)) out.push(m);
  out.push(null);
  for (const m of usable) if (!out.includes(m)) out.push(m);
  return out;
}
