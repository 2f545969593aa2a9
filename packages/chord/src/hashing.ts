/**
 * Chord hashing and ring arithmetic (PROTOCOL.md 2.5). Pure functions over bigint.
 */
import { InvalidArgumentError, bytesToBigInt, keyBytes, sha1, sha224, sha256, sha384, sha512, type KeyInput } from '@p2p/base';

/** The five table names, in py2p's order (PROTOCOL.md 2.5). They travel as bin. */
export const HASH_METHODS = Object.freeze(['sha1', 'sha224', 'sha256', 'sha384', 'sha512'] as const);

export type HashMethod = (typeof HASH_METHODS)[number];

/** Ring size: 2^384 (PROTOCOL.md 2.5, Appendix A). */
export const RING_SIZE = 1n << 384n;

/**
 * A user key: text is UTF-8 encoded first (PROTOCOL.md 2.5), bytes are used as they are (read
 * with base's `keyBytes`, which copies them).
 */
export type ChordKey = KeyInput;

/** The bytes of a user key. @throws InvalidArgumentError (`INVALID_ARGUMENT`) for other types */
export function chordKeyBytes(key: ChordKey): Uint8Array {
  return keyBytes(key, 'a chord key');
}

/**
 * The five ring positions of `key`, in {@link HASH_METHODS} order: SHA-1 << 224, SHA-224 << 160,
 * SHA-256 << 128, SHA-384, and SHA-512 unreduced (a 512-bit value, kept whole as py2p does).
 */
export function getHashes(key: ChordKey): [bigint, bigint, bigint, bigint, bigint] {
  const bytes = chordKeyBytes(key);
  return [
    bytesToBigInt(sha1(bytes)) << 224n,
    bytesToBigInt(sha224(bytes)) << 160n,
    bytesToBigInt(sha256(bytes)) << 128n,
    bytesToBigInt(sha384(bytes)),
    bytesToBigInt(sha512(bytes)),
  ];
}

/** Clockwise distance from `a` to `b` on a ring of `limit` positions: `(b - a) mod limit`, in `[0, limit)`. */
export function distance(a: bigint, b: bigint, limit: bigint = RING_SIZE): bigint {
  if (limit <= 0n) throw new InvalidArgumentError('distance needs a positive limit', { details: { limit: limit.toString() } });
  const d = b - a;
  // Positions already on the ring (the common case) need no division.
  if (d >= 0n) return d < limit ? d : d % limit;
  if (d >= -limit) return d + limit;
  const m = d % limit;
  return m < 0n ? m + limit : m;
}

/** Whether `name` is one of the five table names. */
export function isHashMethod(name: string): name is HashMethod {
  return (HASH_METHODS as readonly string[]).includes(name);
}
