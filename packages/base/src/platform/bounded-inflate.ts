/**
 * zlib and gzip for runtimes without node:zlib, over fflate's streaming decoders. The input is
 * fed in small slices and the output counted as it is produced, so a decompression bomb stops
 * within one slice's worth of output past the cap (deflate expands at most ~1032x per input
 * byte), not after it has been fully inflated. fflate skips the trailers' checksums; we verify
 * them, so corrupt input fails here as it does with node:zlib.
 */
import { Gunzip, Unzlib, gzipSync, zlibSync } from 'fflate';
import { adler32, crc32 } from '../deflate-checksums';
import { OutputLimitError } from './output-limit';

// 512 B of input inflate to at most ~528 KiB, the overshoot bound above the cap.
const SLICE_BYTES = 512;

/** zlib-wrapped deflate (header 78 9c, level 6 as node:zlib's default). */
export const zlibCompress = (data: Uint8Array): Uint8Array => zlibSync(data, { level: 6 });
/** gzip-wrapped deflate (header 1f 8b; mtime 0 as node:zlib writes it, so output is deterministic). */
export const gzipCompress = (data: Uint8Array): Uint8Array => gzipSync(data, { level: 6, mtime: 0 });

const readBE32 = (d: Uint8Array, i: number): number => ((d[i]! << 24) | (d[i + 1]! << 16) | (d[i + 2]! << 8) | d[i + 3]!) >>> 0;
const readLE32 = (d: Uint8Array, i: number): number => (d[i]! | (d[i + 1]! << 8) | (d[i + 2]! << 16) | (d[i + 3]! << 24)) >>> 0;

/**
 * Inflates zlib or gzip (either wrapper, chosen by the gzip magic, as node:zlib's unzip does).
 * Throws {@link OutputLimitError} once the output passes `maxOutputBytes`, an Error on corrupt
 * or truncated input.
 */
export function unzip(data: Uint8Array, maxOutputBytes: number): Uint8Array {
  const gzip = data.length >= 2 && data[0] === 0x1f && data[1] === 0x8b;
  const chunks: Uint8Array[] = [];
  let total = 0;
  let ended = false;
  let members = 1;
  let crc = 0;
  let adler = 1;
  const onData = (chunk: Uint8Array, final: boolean): void => {
    total += chunk.length;
    if (total > maxOutputBytes) throw new OutputLimitError(maxOutputBytes);
    if (chunk.length > 0) {
      chunks.push(chunk);
      if (gzip) crc = crc32(chunk, crc);
      else adler = adler32(chunk, adler);
    }
    if (final) ended = true;
  };
  const stream = gzip ? new Gunzip(onData) : new Unzlib(onData);
  if (stream instanceof Gunzip) stream.onmember = () => void members++;
  if (data.length === 0) throw new Error('empty input');
  for (let i = 0; i < data.length; i += SLICE_BYTES) {
    const end = Math.min(i + SLICE_BYTES, data.length);
    stream.push(data.subarray(i, end), end === data.length);
  }
  if (!ended) throw new Error('unexpected end of data');
  if (gzip) {
    // One member: its trailer covers the whole output. Several (rare): fflate has no per-member
    // hook for the data, so only the frame's own SHA-256 checks them.
    if (data.length < 18) throw new Error('invalid gzip data');
    if (members === 1 && (readLE32(data, data.length - 8) !== crc || readLE32(data, data.length - 4) !== total % 2 ** 32)) {
      throw new Error('gzip checksum mismatch');
    }
  } else if (readBE32(data, data.length - 4) !== adler) {
    throw new Error('zlib checksum mismatch');
  }
  if (chunks.length === 1) return chunks[0]!;
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}
