/** The bounded msgpack decoder (see msgpack.ts for how maps decode). */
import { DEFAULT_MAX_DEPTH } from './decode-limits';
import { MsgpackDecodeError } from './errors';

const UINT32_LIMIT = 0x1_0000_0000;
const textDecoder = new TextDecoder('utf-8', { fatal: true });
/** Strings up to this many bytes are tried as ASCII first (no TextDecoder call). */
const SHORT_STR = 32;
/** One reused array of character codes per short length (`String.fromCharCode.apply` copies them). */
const SHORT_CODES: number[][] = Array.from({ length: SHORT_STR + 1 }, (_, n) => new Array<number>(n).fill(0));

/** Limits for {@link decodeMsgpack}. */
export interface MsgpackDecodeOptions {
  /**
   * Deepest nesting of arrays and maps accepted.
   * @default 64
   */
  maxDepth?: number;
  /**
   * Largest str/bin byte length or array/map entry count accepted (the input size bounds these
   * anyway).
   * @default Infinity
   */
  maxLength?: number;
  /**
   * Most elements (values of any type; a map entry counts as two) the whole value may hold.
   * Checked at each array or map header, before the container is allocated, so a forged count
   * costs nothing. Frames get a budget from their wire size (`frameElementBudget`).
   * @default Infinity (the input length bounds it: every element takes at least one byte)
   */
  maxElements?: number;
}

class Decoder {
  readonly bytes: Uint8Array;
  #view: DataView | undefined;
  readonly maxDepth: number;
  readonly maxLength: number;
  readonly maxElements: number;
  /** Elements still allowed: container headers reserve their entries before decoding them. */
  budget: number;
  pos = 0;

  constructor(bytes: Uint8Array, options: MsgpackDecodeOptions) {
    // A plain Uint8Array view: bin values come out as Uint8Array even when the input is a Buffer.
    this.bytes = bytes.constructor === Uint8Array ? bytes : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.maxDepth = options.maxDepth ?? DEFAULT_MAX_DEPTH;
    this.maxLength = options.maxLength ?? Number.POSITIVE_INFINITY;
    this.maxElements = options.maxElements ?? Number.POSITIVE_INFINITY;
    // The value itself is one element.
    this.budget = this.maxElements - 1;
  }

  /** Made on first use: most packets hold no float and no 64-bit integer. */
  get view(): DataView {
    return (this.#view ??= new DataView(this.bytes.buffer, this.bytes.byteOffset, this.bytes.byteLength));
  }

  u16(p: number): number {
    const b = this.bytes;
    return (b[p]! << 8) | b[p + 1]!;
  }

  u32(p: number): number {
    const b = this.bytes;
    return b[p]! * 0x100_0000 + ((b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!);
  }

  fail(message: string, limit?: { limit: 'depth' | 'elements' | 'length'; max: number }): never {
    throw new MsgpackDecodeError(`${message} at offset ${this.pos}`, { details: { offset: this.pos, ...limit } });
  }

  /** Reserves `n` elements of the budget (`n` entries of a container about to be decoded). */
  reserve(n: number): void {
    this.budget -= n;
    if (this.budget < 0) this.fail(`more than ${this.maxElements} elements`, { limit: 'elements', max: this.maxElements });
  }

  depthCheck(depth: number): void {
    if (depth >= this.maxDepth) this.fail(`nesting deeper than ${this.maxDepth}`, { limit: 'depth', max: this.maxDepth });
  }

  need(n: number): void {
    if (this.pos + n > this.bytes.length) this.fail('truncated msgpack');
  }

  decode(depth: number): unknown {
    this.need(1);
    const t = this.bytes[this.pos++]!;
    if (t < 0x80) return t;
    if (t >= 0xe0) return t - 0x100;
    if (t >= 0xa0 && t <= 0xbf) return this.str(t & 0x1f);
    if (t >= 0x90 && t <= 0x9f) return this.array(t & 0x0f, depth);
    if (t <= 0x8f) return this.map(t & 0x0f, depth);
    const p = this.pos;
    switch (t) {
      case 0xc0:
        return null;
      case 0xc2:
        return false;
      case 0xc3:
        return true;
      case 0xc4:
        this.need(1);
        this.pos = p + 1;
        return this.bin(this.bytes[p]!);
      case 0xc5:
        this.need(2);
        this.pos = p + 2;
        return this.bin(this.u16(p));
      case 0xc6:
        this.need(4);
        this.pos = p + 4;
        return this.bin(this.u32(p));
      case 0xca:
        this.need(4);
        this.pos = p + 4;
        return this.view.getFloat32(p);
      case 0xcb:
        this.need(8);
        this.pos = p + 8;
        return this.view.getFloat64(p);
      case 0xcc:
        this.need(1);
        this.pos = p + 1;
        return this.bytes[p]!;
      case 0xcd:
        this.need(2);
        this.pos = p + 2;
        return this.u16(p);
      case 0xce:
        this.need(4);
        this.pos = p + 4;
        return this.u32(p);
      case 0xcf: {
        this.need(8);
        this.pos = p + 8;
        const hi = this.u32(p);
        // Below 2^21 in the high word the value is a safe integer.
        if (hi < 0x20_0000) return hi * UINT32_LIMIT + this.u32(p + 4);
        return this.view.getBigUint64(p);
      }
      case 0xd0:
        this.need(1);
        this.pos = p + 1;
        return (this.bytes[p]! << 24) >> 24;
      case 0xd1:
        this.need(2);
        this.pos = p + 2;
        return (this.u16(p) << 16) >> 16;
      case 0xd2:
        this.need(4);
        this.pos = p + 4;
        return this.u32(p) | 0;
      case 0xd3: {
        this.need(8);
        this.pos = p + 8;
        const hi = this.u32(p) | 0;
        if (hi >= -0x20_0000 && hi < 0x20_0000) {
          const n = hi * UINT32_LIMIT + this.u32(p + 4);
          if (Number.isSafeInteger(n)) return n;
        }
        return this.view.getBigInt64(p);
      }
      case 0xd9:
        this.need(1);
        this.pos = p + 1;
        return this.str(this.bytes[p]!);
      case 0xda:
        this.need(2);
        this.pos = p + 2;
        return this.str(this.u16(p));
      case 0xdb:
        this.need(4);
        this.pos = p + 4;
        return this.str(this.u32(p));
      case 0xdc:
        this.need(2);
        this.pos = p + 2;
        return this.array(this.u16(p), depth);
      case 0xdd:
        this.need(4);
        this.pos = p + 4;
        return this.array(this.u32(p), depth);
      case 0xde:
        this.need(2);
        this.pos = p + 2;
        return this.map(this.u16(p), depth);
      case 0xdf:
        this.need(4);
        this.pos = p + 4;
        return this.map(this.u32(p), depth);
      case 0xc1:
        this.pos = p - 1;
        return this.fail('reserved msgpack type 0xc1');
      default:
        // c7-c9 and d4-d8: ext types, which the protocol never uses.
        this.pos = p - 1;
        return this.fail(`unsupported msgpack ext type 0x${t.toString(16)}`);
    }
  }

  checkLength(n: number, minBytes: number): void {
    if (n > this.maxLength) this.fail(`length ${n} exceeds the limit of ${this.maxLength}`, { limit: 'length', max: this.maxLength });
    // Checked before allocating, so a forged length cannot reserve memory.
    if (n * minBytes > this.bytes.length - this.pos) this.fail(`length ${n} runs past the end of the input`);
  }

  str(n: number): string {
    this.checkLength(n, 1);
    const start = this.pos;
    const end = start + n;
    const b = this.bytes;
    this.pos = end;
    if (n <= SHORT_STR) {
      // ASCII, the common case (map keys, ids, short values): the codes go into a reused array and
      // become one string; appending a character at a time made a string per character (about
      // 11% of what a chord set allocated) and took 1.5 to 2 times as long for 7 to 32 characters.
      const codes = SHORT_CODES[n]!;
      let i = 0;
      for (; i < n; i++) {
        const c = b[start + i]!;
        if (c >= 0x80) break;
        codes[i] = c;
      }
      if (i === n) return String.fromCharCode.apply(null, codes);
    }
    try {
      return textDecoder.decode(b.subarray(start, end));
    } catch (err) {
      this.pos = start;
      return this.fail(`invalid UTF-8 in str (${String(err)})`);
    }
  }

  bin(n: number): Uint8Array {
    this.checkLength(n, 1);
    const start = this.pos;
    this.pos = start + n;
    return this.bytes.subarray(start, start + n);
  }

  array(n: number, depth: number): unknown[] {
    this.checkLength(n, 1);
    this.depthCheck(depth);
    this.reserve(n);
    const out = new Array<unknown>(n);
    for (let i = 0; i < n; i++) out[i] = this.decode(depth + 1);
    return out;
  }

  map(n: number, depth: number): Record<string, unknown> | Map<unknown, unknown> {
    this.checkLength(n, 2);
    this.depthCheck(depth);
    this.reserve(2 * n);
    let obj: Record<string, unknown> | undefined = {};
    let map: Map<unknown, unknown> | undefined;
    for (let i = 0; i < n; i++) {
      const key = this.decode(depth + 1);
      const value = this.decode(depth + 1);
      if (obj !== undefined) {
        if (typeof key === 'string' && key !== '__proto__') {
          obj[key] = value;
          continue;
        }
        map = new Map(Object.entries(obj));
        obj = undefined;
      }
      map!.set(key, value);
    }
    return obj ?? map!;
  }
}

/**
 * Decodes exactly one msgpack value filling all of `bytes`. str becomes string, bin a
 * `Uint8Array` **view into `bytes`** (no copy: do not reuse the input buffer while decoded values
 * live), ints a number when safe and a bigint otherwise, floats numbers, arrays arrays, maps
 * plain objects or `Map`s (see the module note). Throws `BAD_MSGPACK` on truncated input,
 * trailing bytes, ext or reserved types, invalid UTF-8, lengths past the input, and the depth,
 * length and element limits (then `details.limit` is `'depth'`, `'length'` or `'elements'` and
 * `details.max` the limit).
 */
export function decodeMsgpack(bytes: Uint8Array, options: MsgpackDecodeOptions = {}): unknown {
  const decoder = new Decoder(bytes, options);
  const value = decoder.decode(0);
  if (decoder.pos !== decoder.bytes.length) decoder.fail(`${decoder.bytes.length - decoder.pos} trailing bytes`);
  return value;
}

/** A top-level msgpack array with each element's own encoded bytes. */
export interface ArrayWithRaw {
  values: unknown[];
  /** `raw[i]` is the exact msgpack of `values[i]`: a view into the input, ready for {@link RawMsgpack}. */
  raw: Uint8Array[];
}

/**
 * Like {@link decodeMsgpack} for a top-level array, also returning each element's byte range, so
 * a value can be stored and re-sent without re-encoding drift (PROTOCOL.md 1.5, fidelity note).
 * Throws `BAD_MSGPACK` when the value is not an array.
 */
export function decodeArrayWithRaw(bytes: Uint8Array, options: MsgpackDecodeOptions = {}): ArrayWithRaw {
  const d = new Decoder(bytes, options);
  d.need(1);
  const t = d.bytes[d.pos]!;
  let n: number;
  if (t >= 0x90 && t <= 0x9f) {
    n = t & 0x0f;
    d.pos += 1;
  } else if (t === 0xdc) {
    d.pos += 1;
    d.need(2);
    n = d.u16(d.pos);
    d.pos += 2;
  } else if (t === 0xdd) {
    d.pos += 1;
    d.need(4);
    n = d.u32(d.pos);
    d.pos += 4;
  } else {
    return d.fail('expected a msgpack array');
  }
  d.checkLength(n, 1);
  d.depthCheck(0);
  d.reserve(n);
  const values = new Array<unknown>(n);
  const raw = new Array<Uint8Array>(n);
  for (let i = 0; i < n; i++) {
    const start = d.pos;
    values[i] = d.decode(1);
    raw[i] = d.bytes.subarray(start, d.pos);
  }
  if (d.pos !== d.bytes.length) d.fail(`${d.bytes.length - d.pos} trailing bytes`);
  return { values, raw };
}
