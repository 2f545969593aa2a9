/**
 * Ring keys on the wire are base58 text of a 384- or 512-bit integer (PROTOCOL.md 6.4), and
 * turning one into the other costs microseconds of bigint arithmetic. The same keys travel again
 * and again (a store, its backup, every read of it, the retrieved echo), so a node remembers
 * both directions in two bounded caches (oldest forgotten first).
 */
import { utf8Encode } from '@p2p/base';
import { mixRingKey } from './ring-key-map';

/** Entries per cache. */
export const RING_KEY_CACHE_SIZE = 8192;

export class RingKeyCodec {
  readonly #encoded = new Map<bigint, { readonly text: string; readonly bytes: Uint8Array }>();
  readonly #decoded = new Map<string, bigint | null>();

  /** The wire form of ring key `k`: base58 of the integer as text, and as bytes (shared: never modify them). */
  encode(k: bigint): { readonly text: string; readonly bytes: Uint8Array } {
    const mixed = mixRingKey(k);
    const known = this.#encoded.get(mixed);
    if (known) return known;
    const text = ringKeyText(k);
    return remember(this.#encoded, mixed, { text, bytes: utf8Encode(text) });
  }

  /** The ring key of base58 `text`; undefined for text outside the alphabet or absurd lengths. */
  parse(text: string): bigint | undefined {
    const known = this.#decoded.get(text);
    if (known !== undefined) return known ?? undefined;
    return remember(this.#decoded, text, ringKeyFromText(text) ?? null) ?? undefined;
  }
}

/** The Bitcoin alphabet (PROTOCOL.md 2.1). */
const BASE58_ALPHABET = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
/** 58^9, the largest power of 58 whose digits a double holds exactly: nine digits per bigint step. */
const CHUNK = 58n ** 9n;
const DIGITS = new Map([...BASE58_ALPHABET].map((c, i) => [c.charCodeAt(0), i]));

/** The alphabet's character codes, and room for the longest text (a 512-bit key has 88 digits). */
const CODES = Uint16Array.from(BASE58_ALPHABET, (c) => c.charCodeAt(0));
const TEXT = new Uint16Array(128);

/**
 * base58 of a non-negative integer, exactly as base's `base58EncodeInt` (0 is "1", no leading
 * "1"s otherwise), nine digits per bigint division instead of a byte-wise conversion (a ring key
 * costs about 9 divisions), written backwards into one reused buffer.
 */
export function ringKeyText(k: bigint): string {
  if (k === 0n) return BASE58_ALPHABET[0]!;
  let n = 0;
  let rest = k;
  while (rest > 0n) {
    const q = rest / CHUNK;
    let chunk = Number(rest - q * CHUNK);
    rest = q;
    for (let i = 0; i < 9 && (rest > 0n || chunk > 0); i++) {
      const digit = chunk % 58;
      if (n === TEXT.length) return slowText(k);
      TEXT[TEXT.length - ++n] = CODES[digit]!;
      chunk = (chunk - digit) / 58;
    }
  }
  return String.fromCharCode(...TEXT.subarray(TEXT.length - n));
}

/** Keys too long for the buffer (never a ring key). */
function slowText(k: bigint): string {
  const out: string[] = [];
  for (let rest = k; rest > 0n; rest /= 58n) out.push(BASE58_ALPHABET[Number(rest % 58n)]!);
  return out.reverse().join('');
}

/** The integer of base58 `text` (leading "1"s are zero digits), as payloads' `parseRingKey`; undefined for empty text, text outside the alphabet or over 128 characters. */
export function ringKeyFromText(text: string): bigint | undefined {
  if (text.length === 0 || text.length > 128) return undefined;
  let acc = 0n;
  // The first chunk takes the digits beyond a multiple of nine, so every later one is full.
  for (let start = 0, end = text.length % 9 || 9; start < text.length; start = end, end += 9) {
    let chunk = 0;
    for (let i = start; i < end; i++) {
      const d = DIGITS.get(text.charCodeAt(i));
      if (d === undefined) return undefined;
      chunk = chunk * 58 + d;
    }
    acc = start === 0 ? BigInt(chunk) : acc * CHUNK + BigInt(chunk);
  }
  return acc;
}

function remember<K, V>(cache: Map<K, V>, key: K, value: V): V {
  if (cache.size >= RING_KEY_CACHE_SIZE) cache.delete(cache.keys().next().value as K);
  cache.set(key, value);
  return value;
}
