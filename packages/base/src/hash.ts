/**
 * Digests and big-endian integer conversion. The digests and the UUID come from the platform
 * seam (`#platform`: node:crypto in Node, @noble/hashes in browsers); the rest is plain code.
 */
import { fromHex, toHex } from './bytes';
import { InvalidArgumentError } from './errors';

export { sha1, sha224, sha256, sha384, sha512, randomUuid, sha256Into, sha256Matches } from '#platform';

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
