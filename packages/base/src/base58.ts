/**
 * base58 with the Bitcoin alphabet (PROTOCOL.md 2.1). The protocol encodes non-negative
 * integers; the byte codec is exported too because `base-x` is one anyway.
 */
import basex from 'base-x';
import { InvalidArgumentError, InvalidBase58Error } from './errors';
import { bigIntToBytes, bytesToBigInt } from './hash';

/** PROTOCOL.md 2.1 */
export const BASE58_ALPHABET = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';

const codec = basex(BASE58_ALPHABET);

/** Byte encoding: each leading zero byte becomes a leading `1`; empty input gives `""`. */
export function base58Encode(bytes: Uint8Array): string {
  return codec.encode(bytes);
}

/** Inverse of {@link base58Encode}. Throws `INVALID_BASE58` on a character outside the alphabet. */
export function base58Decode(text: string): Uint8Array {
  const out = codec.decodeUnsafe(text);
  if (out === undefined) throw invalid(text);
  return out;
}

/**
 * Integer encoding as py2p's `b58encode_int`: 0 is `"1"`, otherwise no leading `1`s. Going
 * through minimal bytes avoids base-x's leading-zero-byte padding (the 2.1 pitfall).
 */
export function base58EncodeInt(value: bigint | number): string {
  let n: bigint;
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) {
      throw new InvalidArgumentError('base58EncodeInt needs a safe integer or a bigint', { details: { value } });
    }
    n = BigInt(value);
  } else {
    n = value;
  }
  if (n < 0n) throw new InvalidArgumentError('base58EncodeInt needs a non-negative integer', { details: { value: n.toString() } });
  if (n === 0n) return BASE58_ALPHABET[0]!;
  return codec.encode(bigIntToBytes(n));
}

/** Integer decoding; leading `1`s are zero digits. Empty text is 0n, like py2p. */
export function base58DecodeInt(text: string): bigint {
  return bytesToBigInt(base58Decode(text));
}

function invalid(text: string): InvalidBase58Error {
  let index = -1;
  for (let i = 0; i < text.length; i++) {
    if (!BASE58_ALPHABET.includes(text[i]!)) {
      index = i;
      break;
    }
  }
  return new InvalidBase58Error(
    index >= 0 ? `invalid base58 character at index ${index}` : 'invalid base58 text',
    { details: { index, length: text.length } },
  );
}
