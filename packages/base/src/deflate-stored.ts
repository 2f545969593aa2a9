/**
 * zlib (RFC 1950) and gzip (RFC 1952) streams holding one *stored* deflate block (RFC 1951
 * 3.2.4: the bytes as they are, behind a 5-byte block header), for small frame bodies. Every
 * inflater reads them (Python's zlib, which py2p uses for both flags, node:zlib, fflate) as the
 * same bytes, and the protocol asks only for the same decompressed content (PROTOCOL.md 1.7.1).
 * Deflating a small body costs more than encoding the rest of its frame, to save a few percent:
 * a frame body starts with 32 bytes of checksum, and a small packet holds mostly ids.
 */
import { adler32, crc32 } from './deflate-checksums';
import { CompressionFlags } from './flags';

/**
 * Inputs shorter than this are stored. Measured on checksum + packet bodies: under 256 bytes
 * zlib saves 0-15% (a chord retrieve grows by 11 bytes); from about 300 bytes on, 20-50%.
 */
export const STORED_BELOW = 256;

// Deflate, 32 KiB window, the level field saying "default" as zlib's own streams do; 0x789c % 31 === 0.
const ZLIB_HEADER = [0x78, 0x9c];
// Deflate, no flags, no mtime, no extra flags, OS "unknown".
const GZIP_HEADER = [0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff];
const BLOCK_HEADER_BYTES = 5; // BFINAL=1 BTYPE=00, LEN, NLEN

/** Length of the stored stream of `n` bytes under `flag` (zlib or gzip). */
export function storedBytes(flag: number, n: number): number {
  return flag === CompressionFlags.gzip ? GZIP_HEADER.length + BLOCK_HEADER_BYTES + n + 8 : ZLIB_HEADER.length + BLOCK_HEADER_BYTES + n + 4;
}

/**
 * Writes the stored stream of `head ++ tail` (together under 65,536 bytes, one block) under
 * `flag` (zlib or gzip) into `out` at `at`, {@link storedBytes} long.
 */
export function writeStored(flag: number, out: Uint8Array, at: number, head: Uint8Array, tail: Uint8Array): void {
  const n = head.length + tail.length;
  if (n > 0xffff) throw new RangeError('a stored block holds at most 65,535 bytes');
  const gzip = flag === CompressionFlags.gzip;
  let p = at;
  for (const b of gzip ? GZIP_HEADER : ZLIB_HEADER) out[p++] = b;
  out[p++] = 0x01;
  out[p++] = n & 0xff;
  out[p++] = n >>> 8;
  out[p++] = ~n & 0xff;
  out[p++] = (~n >>> 8) & 0xff;
  out.set(head, p);
  out.set(tail, p + head.length);
  p += n;
  if (gzip) {
    const crc = crc32(tail, crc32(head, 0));
    writeUint32LE(out, p, crc);
    writeUint32LE(out, p + 4, n);
  } else {
    const adler = adler32(tail, adler32(head, 1));
    out[p] = adler >>> 24;
    out[p + 1] = (adler >>> 16) & 0xff;
    out[p + 2] = (adler >>> 8) & 0xff;
    out[p + 3] = adler & 0xff;
  }
}

function writeUint32LE(out: Uint8Array, at: number, v: number): void {
  out[at] = v & 0xff;
  out[at + 1] = (v >>> 8) & 0xff;
  out[at + 2] = (v >>> 16) & 0xff;
  out[at + 3] = v >>> 24;
}
