/**
 * Ring keys on the wire are base58 text of a 384- or 512-bit integer (PROTOCOL.md 6.4), and
 * turning one into the other costs microseconds of arithmetic. Received keys repeat (a store,
 * its backup, every read of it), so a node remembers the text-to-integer direction in a bounded
 * cache (oldest forgotten first). The other direction ({@link ringKeyText}) is computed each
 * time. A cache of it served only this node's own retrieves, whose keys repeat little (in the
 * chord benchmark, no hit in 2.4 encodings per get, 3.6 in 13.7 per set during the repair
 * checks); a remembered miss cost half as much again as an encoding (4.7-6.6 against 3.2-4.5 us)
 * and kept an entry alive per key: most of what a run of gets left on the heap.
 */
import { base58EncodeInt, evictOldest } from '@p2p/base';

/** Entries in the parse cache. */
export const RING_KEY_CACHE_SIZE = 8192;

export class RingKeyCodec {
  readonly #decoded = new Map<string, bigint | null>();

  /** The ring key of base58 `text`; undefined for text outside the alphabet or absurd lengths. */
  parse(text: string): bigint | undefined {
    const known = this.#decoded.get(text);
    if (known !== undefined) return known ?? undefined;
    const k = ringKeyFromText(text) ?? null;
    this.#decoded.set(text, k);
    evictOldest(this.#decoded, RING_KEY_CACHE_SIZE);
    return k ?? undefined;
  }
}

/** The Bitcoin alphabet (PROTOCOL.md 2.1). */
const BASE58_ALPHABET = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
/** 58^9, the largest power of 58 whose digits a double holds exactly: nine digits per bigint step. */
const CHUNK = 58n ** 9n;

/** The alphabet's character codes, and room for the longest text (a 512-bit key has 88 digits). */
const CODES = Uint16Array.from(BASE58_ALPHABET, (c) => c.charCodeAt(0));
const TEXT = new Uint16Array(128);

/**
 * The key's 28-bit limbs, most significant first (seven hex digits each; 32 hold 896 bits). A
 * remainder below 58^4 (2^23.4) times 2^28 plus a limb stays under 2^53, so a limb step is exact
 * double arithmetic.
 */
const LIMB_BITS = 28;
const LIMB = 2 ** LIMB_BITS;
const LIMBS = new Float64Array(32);
/** 58^4: four digits per pass over the limbs. */
const QUAD = 58 ** 4;
const PER_QUAD = 1 / QUAD;
/** The value of each lower-case hex digit's character code (what `toString(16)` writes): a load, not a branch. */
const HEX_VALUE = new Uint8Array(128);
for (let i = 0; i < 16; i++) HEX_VALUE['0123456789abcdef'.charCodeAt(i)] = i;
/**
 * One reused array of character codes per text length, for `String.fromCharCode.apply` (which
 * copies them): a fresh array per key was 700 bytes of garbage. Lengths are at most TEXT's.
 */
const CODES_OF: number[][] = [];

/**
 * base58 of a non-negative integer, exactly as base's `base58EncodeInt` (0 is "1", no leading
 * "1"s otherwise). Bigint division costs microseconds per step, so the key is cut once into
 * 28-bit limbs (through its hex text) and divided by 58^4 in Number arithmetic, limb by limb;
 * digits are written backwards into one reused buffer.
 */
export function ringKeyText(k: bigint): string {
  // Zero, and keys too long for the buffers (never a ring key): base's general encoder.
  if (k <= 0n) return base58EncodeInt(k);
  const hex = k.toString(16);
  const count = Math.ceil(hex.length / 7);
  if (count > LIMBS.length) return base58EncodeInt(k);
  // The first limb takes the digits beyond a multiple of seven, so every later one is full.
  for (let i = 0, start = 0, end = hex.length % 7 || 7; i < count; i++, start = end, end += 7) {
    let v = 0;
    for (let j = start; j < end; j++) v = v * 16 + HEX_VALUE[hex.charCodeAt(j)]!;
    LIMBS[i] = v;
  }
  let top = 0;
  let n = 0;
  for (;;) {
    let rem = 0;
    for (let i = top; i < count; i++) {
      const cur = rem * LIMB + LIMBS[i]!;
      // A multiplication by the reciprocal (a division's latency is the loop's), then corrected.
      let q = Math.floor(cur * PER_QUAD);
      rem = cur - q * QUAD;
      if (rem < 0) {
        q--;
        rem += QUAD;
      } else if (rem >= QUAD) {
        q++;
        rem -= QUAD;
      }
      LIMBS[i] = q;
    }
    while (top < count && LIMBS[top] === 0) top++;
    const last = top === count;
    // The remainder is below 58^4: int32 arithmetic (a double's % is a library call).
    let r = rem | 0;
    for (let d = 0; d < 4 && (!last || r > 0); d++) {
      if (n === TEXT.length) return base58EncodeInt(k);
      const q = (r / 58) | 0;
      TEXT[TEXT.length - ++n] = CODES[r - q * 58]!;
      r = q;
    }
    if (last) break;
  }
  // A plain array through apply: spreading a typed array costs several times more.
  const codes = (CODES_OF[n] ??= new Array<number>(n).fill(0));
  for (let i = 0, j = TEXT.length - n; i < n; i++, j++) codes[i] = TEXT[j]!;
  return String.fromCharCode.apply(null, codes);
}


/**
 * Each character code's base58 digit, -1 outside the alphabet (codes past 127 are outside too).
 * A typed array rather than a `Map`: the lookups were half the cost of a parse (2.5-2.8 against
 * 1.3 us per 384-bit key, measured over 100,000 keys).
 */
const DIGIT_OF = new Int8Array(128).fill(-1);
for (let i = 0; i < BASE58_ALPHABET.length; i++) DIGIT_OF[BASE58_ALPHABET.charCodeAt(i)] = i;

/** The integer of base58 `text` (leading "1"s are zero digits), as payloads' `parseRingKey`; undefined for empty text, text outside the alphabet or over 128 characters. */
export function ringKeyFromText(text: string): bigint | undefined {
  if (text.length === 0 || text.length > 128) return undefined;
  let acc = 0n;
  // The first chunk takes the digits beyond a multiple of nine, so every later one is full.
  for (let start = 0, end = text.length % 9 || 9; start < text.length; start = end, end += 9) {
    let chunk = 0;
    for (let i = start; i < end; i++) {
      const c = text.charCodeAt(i);
      const d = c < 128 ? DIGIT_OF[c]! : -1;
      if (d < 0) return undefined;
      chunk = chunk * 58 + d;
    }
    acc = start === 0 ? BigInt(chunk) : acc * CHUNK + BigInt(chunk);
  }
  return acc;
}
