/**
 * Digests and big-endian integer conversion. This file and `compression.ts` are the only node:
 * seams of the codecs, so a browser build swaps just these two.
 */
import { createHash, randomUUID } from 'node:crypto';
import { fromHex, toHex } from './bytes';
import { InvalidArgumentError } from './errors';

function digest(algorithm: string, data: Uint8Array): Uint8Array {
  const out = createHash(algorithm).update(data).digest();
  // Hand out a plain Uint8Array view so callers never depend on Buffer semantics.
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

/** SHA-1 digest (20 bytes); chord hashing only (PROTOCOL.md 2.5). */
export const sha1 = (data: Uint8Array): Uint8Array => digest('sha1', data);
/** SHA-224 digest (28 bytes). */
export const sha224 = (data: Uint8Array): Uint8Array => digest('sha224', data);
/** SHA-256 digest (32 bytes): frame checksums and protocol ids. */
export const sha256 = (data: Uint8Array): Uint8Array => digest('sha256', data);
/** SHA-384 digest (48 bytes): node ids. */
export const sha384 = (data: Uint8Array): Uint8Array => digest('sha384', data);
/** SHA-512 digest (64 bytes). */
export const sha512 = (data: Uint8Array): Uint8Array => digest('sha512', data);

/** Reads `bytes` as a big-endian unsigned integer; empty input is 0n. */
export function bytesToBigInt(bytes: Uint8Array): bigint {
  return bytes.length === 0 ? 0n : BigInt('0x' + toHex(bytes));
}

/**
 * Minimal big-endian bytes of a non-negative integer (no leading zero byte; 0n gives an empty
 * array). Throws `INVALID_ARGUMENT` for negative values.
 */
export function bigIntToBytes(n: bigint): Uint8Array {
  if (n < 0n) throw new InvalidArgumentError('cannot convert a negative integer to bytes', { details: { value: n.toString() } });
  if (n === 0n) return new Uint8Array(0);
  const hex = n.toString(16);
  return fromHex(hex.length % 2 === 0 ? hex : '0' + hex);
}

/** A random UUID4 in its canonical text form (py2p's per-process id salt). */
export function randomUuid(): string {
  return randomUUID();
}
