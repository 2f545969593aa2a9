/**
 * Digests and big-endian integer conversion. The digests and the UUID come from the platform
 * seam (`#platform`: node:crypto in Node, @noble/hashes in browsers); the rest is plain code.
 */
import { fromHex, toHex } from './bytes';
import { InvalidArgumentError } from './errors';

export { sha1, sha224, sha256, sha384, sha512, randomUuid, sha256Into, sha256Matches } from '#platform';

/** Reads `bytes` as a big-endian unsigned integer; empty input is 0n. */
export function bytesToBigInt(bytes: Uint8Array): bigint {
  const n = bytes.length;
  // Digest-sized input (node ids, ring keys): 32 bits per step beats making and parsing hex.
  if (n > 64) return BigInt('0x' + toHex(bytes));
  let value = 0n;
  let i = 0;
  for (; i < n % 4; i++) value = (value << 8n) | BigInt(bytes[i]!);
  for (; i < n; i += 4) value = (value << 32n) | BigInt(((bytes[i]! << 24) | (bytes[i + 1]! << 16) | (bytes[i + 2]! << 8) | bytes[i + 3]!) >>> 0);
  return value;
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
