/**
 * msgpack as py2p's u-msgpack writes it (PROTOCOL.md 1.5): smallest integer widths including
 * uint32/uint64, float64 only for real floats, bin versus str kept apart, maps with any key type,
 * never ext. Our own codec because generic libraries differ on exactly these points.
 *
 * Decoding maps: a map whose keys are all strings (and none is `"__proto__"`) becomes a plain
 * object; any other map becomes a `Map` (keys kept as decoded, bin keys as `Uint8Array`). Plain
 * objects follow JS key order (integer-like keys first); keep the raw bytes
 * ({@link decodeArrayWithRaw}, {@link RawMsgpack}) where the original order must survive.
 */
import { DEFAULT_MAX_DEPTH } from './decode-limits';
import { EncodeError, MsgpackDecodeError } from './errors';

/** Forces float64 (`cb`) for a number that happens to be integral, e.g. Python's `2.0`. */
export class MsgpackFloat {
  constructor(readonly value: number) {}
}

/**
 * Already-encoded msgpack, spliced verbatim by {@link encodeMsgpack}. The caller vouches that
 * `bytes` hold exactly one well-formed value (typically a range from {@link decodeArrayWithRaw}).
 */
export class RawMsgpack {
  constructor(readonly bytes: Uint8Array) {}
}

// Deep enough for any real payload, shallow enough to stop cycles before the JS stack does.
const MAX_ENCODE_DEPTH = 512;
const UINT32_LIMIT = 0x1_0000_0000;
const INT64_MIN = -(1n << 63n);
const UINT64_MAX = (1n << 64n) - 1n;

const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder('utf-8', { fatal: true });

class Encoder {
  buf: Uint8Array;
  view: DataView;
  pos = 0;

  constructor(initialSize: number) {
    this.buf = new Uint8Array(initialSize);
    this.view = new DataView(this.buf.buffer);
  }

  ensure(extra: number): void {
    const need = this.pos + extra;
    if (need <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < need) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  result(): Uint8Array {
    // Trim only when the slack is large; otherwise a view saves a copy on the hot path.
    return this.pos * 2 < this.buf.length ? this.buf.slice(0, this.pos) : this.buf.subarray(0, this.pos);
  }

  encode(value: unknown, depth: number): void {
    switch (typeof value) {
      case 'number':
        if (Number.isSafeInteger(value)) this.int(value);
        else this.float64(value);
        return;
      case 'string':
        this.str(value);
        return;
      case 'boolean':
        this.ensure(1);
        this.buf[this.pos++] = value ? 0xc3 : 0xc2;
        return;
      case 'undefined':
        this.ensure(1);
        this.buf[this.pos++] = 0xc0;
        return;
      case 'bigint':
        this.bigint(value);
        return;
      case 'object':
        if (value === null) {
          this.ensure(1);
          this.buf[this.pos++] = 0xc0;
          return;
        }
        this.object(value, depth);
        return;
      default:
        throw new EncodeError(`cannot encode a ${typeof value} as msgpack`);
    }
  }

  object(value: object, depth: number): void {
    if (depth >= MAX_ENCODE_DEPTH) {
      throw new EncodeError(`value nested deeper than ${MAX_ENCODE_DEPTH} levels (cyclic?)`);
    }
    if (Array.isArray(value)) {
      this.arrayHeader(value.length);
      for (let i = 0; i < value.length; i++) this.encode(value[i], depth + 1);
      return;
    }
    if (value instanceof Uint8Array) {
      this.bin(value);
      return;
    }
    if (value instanceof RawMsgpack) {
      this.ensure(value.bytes.length);
      this.buf.set(value.bytes, this.pos);
      this.pos += value.bytes.length;
      return;
    }
    if (value instanceof MsgpackFloat) {
      this.float64(value.value);
      return;
    }
    if (value instanceof Map) {
      this.mapHeader(value.size);
      for (const [k, v] of value) {
        this.encode(k, depth + 1);
        this.encode(v, depth + 1);
      }
      return;
    }
    if (value instanceof ArrayBuffer) {
      this.bin(new Uint8Array(value));
      return;
    }
    if (value instanceof Int8Array || value instanceof Uint8ClampedArray || value instanceof DataView) {
      this.bin(new Uint8Array(value.buffer, value.byteOffset, value.byteLength));
      return;
    }
    const proto = Object.getPrototypeOf(value) as unknown;
    if (proto === Object.prototype || proto === null) {
      const keys = Object.keys(value);
      this.mapHeader(keys.length);
      for (const key of keys) {
        this.str(key);
        this.encode((value as Record<string, unknown>)[key], depth + 1);
      }
      return;
    }
    const name = (value as { constructor?: { name?: unknown } }).constructor?.name;
    throw new EncodeError(`cannot encode ${typeof name === 'string' ? `a ${name}` : 'this object'} as msgpack`);
  }

  int(v: number): void {
    this.ensure(9);
    const b = this.buf;
    const p = this.pos;
    if (v >= 0) {
      if (v < 0x80) {
        b[p] = v;
        this.pos = p + 1;
      } else if (v < 0x100) {
        b[p] = 0xcc;
        b[p + 1] = v;
        this.pos = p + 2;
      } else if (v < 0x10000) {
        b[p] = 0xcd;
        this.view.setUint16(p + 1, v);
        this.pos = p + 3;
      } else if (v < UINT32_LIMIT) {
        b[p] = 0xce;
        this.view.setUint32(p + 1, v);
        this.pos = p + 5;
      } else {
        b[p] = 0xcf;
        this.view.setUint32(p + 1, Math.floor(v / UINT32_LIMIT));
        this.view.setUint32(p + 5, v >>> 0);
        this.pos = p + 9;
      }
    } else if (v >= -0x20) {
      b[p] = v & 0xff;
      this.pos = p + 1;
    } else if (v >= -0x80) {
      b[p] = 0xd0;
      this.view.setInt8(p + 1, v);
      this.pos = p + 2;
    } else if (v >= -0x8000) {
      b[p] = 0xd1;
      this.view.setInt16(p + 1, v);
      this.pos = p + 3;
    } else if (v >= -0x8000_0000) {
      b[p] = 0xd2;
      this.view.setInt32(p + 1, v);
      this.pos = p + 5;
    } else {
      const hi = Math.floor(v / UINT32_LIMIT);
      b[p] = 0xd3;
      this.view.setInt32(p + 1, hi);
      this.view.setUint32(p + 5, v - hi * UINT32_LIMIT);
      this.pos = p + 9;
    }
  }

  bigint(v: bigint): void {
    if (v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER)) {
      this.int(Number(v));
      return;
    }
    if (v < INT64_MIN || v > UINT64_MAX) {
      throw new EncodeError('integer out of the 64-bit msgpack range', { details: { value: v.toString() } });
    }
    this.ensure(9);
    if (v > 0n) {
      this.buf[this.pos] = 0xcf;
      this.view.setBigUint64(this.pos + 1, v);
    } else {
      this.buf[this.pos] = 0xd3;
      this.view.setBigInt64(this.pos + 1, v);
    }
    this.pos += 9;
  }

  float64(v: number): void {
    this.ensure(9);
    this.buf[this.pos] = 0xcb;
    this.view.setFloat64(this.pos + 1, v);
    this.pos += 9;
  }

  str(s: string): void {
    const n = s.length;
    if (n < 32) {
      // Short strings: an inline UTF-8 loop beats encodeInto's call overhead.
      this.ensure(2 + n * 3);
      const start = this.pos + 1;
      const end = writeUtf8Short(s, this.buf, start);
      const len = end - start;
      if (len < 32) {
        this.buf[this.pos] = 0xa0 | len;
        this.pos = end;
        return;
      }
      // 11..31 chars of multi-byte text can outgrow fixstr: shift right by one for str8.
      this.buf.copyWithin(start + 1, start, end);
      this.buf[this.pos] = 0xd9;
      this.buf[this.pos + 1] = len;
      this.pos = end + 1;
      return;
    }
    const max = n * 3;
    const reserved = max < 0x100 ? 2 : max < 0x10000 ? 3 : 5;
    this.ensure(reserved + max);
    const start = this.pos + reserved;
    const { written } = textEncoder.encodeInto(s, this.buf.subarray(start));
    const header = written < 0x100 ? 2 : written < 0x10000 ? 3 : 5;
    if (written >= UINT32_LIMIT) throw new EncodeError('string longer than 2^32-1 bytes');
    if (header < reserved) this.buf.copyWithin(this.pos + header, start, start + written);
    const p = this.pos;
    if (header === 2) {
      this.buf[p] = 0xd9;
      this.buf[p + 1] = written;
    } else if (header === 3) {
      this.buf[p] = 0xda;
      this.view.setUint16(p + 1, written);
    } else {
      this.buf[p] = 0xdb;
      this.view.setUint32(p + 1, written);
    }
    this.pos = p + header + written;
  }

  bin(bytes: Uint8Array): void {
    const n = bytes.length;
    if (n >= UINT32_LIMIT) throw new EncodeError('binary longer than 2^32-1 bytes');
    this.ensure(5 + n);
    const p = this.pos;
    if (n < 0x100) {
      this.buf[p] = 0xc4;
      this.buf[p + 1] = n;
      this.pos = p + 2;
    } else if (n < 0x10000) {
      this.buf[p] = 0xc5;
      this.view.setUint16(p + 1, n);
      this.pos = p + 3;
    } else {
      this.buf[p] = 0xc6;
      this.view.setUint32(p + 1, n);
      this.pos = p + 5;
    }
    this.buf.set(bytes, this.pos);
    this.pos += n;
  }

  arrayHeader(n: number): void {
    this.header(n, 0x90, 16, 0xdc, 0xdd);
  }

  mapHeader(n: number): void {
    this.header(n, 0x80, 16, 0xde, 0xdf);
  }

  header(n: number, fix: number, fixLimit: number, c16: number, c32: number): void {
    if (n >= UINT32_LIMIT) throw new EncodeError('container with 2^32 or more entries');
    this.ensure(5);
    const p = this.pos;
    if (n < fixLimit) {
      this.buf[p] = fix | n;
      this.pos = p + 1;
    } else if (n < 0x10000) {
      this.buf[p] = c16;
      this.view.setUint16(p + 1, n);
      this.pos = p + 3;
    } else {
      this.buf[p] = c32;
      this.view.setUint32(p + 1, n);
      this.pos = p + 5;
    }
  }
}

/** UTF-8 of a short string at `at`; lone surrogates become U+FFFD like TextEncoder. */
function writeUtf8Short(s: string, out: Uint8Array, at: number): number {
  let p = at;
  for (let i = 0; i < s.length; i++) {
    let c = s.charCodeAt(i);
    if (c < 0x80) {
      out[p++] = c;
    } else if (c < 0x800) {
      out[p++] = 0xc0 | (c >> 6);
      out[p++] = 0x80 | (c & 0x3f);
    } else {
      if (c >= 0xd800 && c <= 0xdfff) {
        const next = i + 1 < s.length ? s.charCodeAt(i + 1) : 0;
        if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
          c = 0x10000 + ((c - 0xd800) << 10) + (next - 0xdc00);
          i++;
          out[p++] = 0xf0 | (c >> 18);
          out[p++] = 0x80 | ((c >> 12) & 0x3f);
          out[p++] = 0x80 | ((c >> 6) & 0x3f);
          out[p++] = 0x80 | (c & 0x3f);
          continue;
        }
        c = 0xfffd;
      }
      out[p++] = 0xe0 | (c >> 12);
      out[p++] = 0x80 | ((c >> 6) & 0x3f);
      out[p++] = 0x80 | (c & 0x3f);
    }
  }
  return p;
}

/**
 * Encodes `value` as py2p would (PROTOCOL.md 1.5). Safe integers (and bigints) get the smallest
 * int width; other numbers float64; strings str; `Uint8Array`/`Buffer`/`ArrayBuffer`/byte views
 * bin; arrays array; `Map` and plain objects map in insertion order; `null`/`undefined` nil.
 * Throws `ENCODE_ERROR` on anything else (functions, symbols, Dates, class instances, cycles,
 * integers beyond 64 bits).
 */
export function encodeMsgpack(value: unknown): Uint8Array {
  const encoder = new Encoder(256);
  encoder.encode(value, 0);
  return encoder.result();
}

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
  readonly view: DataView;
  readonly maxDepth: number;
  readonly maxLength: number;
  readonly maxElements: number;
  /** Elements still allowed: container headers reserve their entries before decoding them. */
  budget: number;
  pos = 0;

  constructor(bytes: Uint8Array, options: MsgpackDecodeOptions) {
    // A plain Uint8Array view: bin values come out as Uint8Array even when the input is a Buffer.
    this.bytes = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.maxDepth = options.maxDepth ?? DEFAULT_MAX_DEPTH;
    this.maxLength = options.maxLength ?? Number.POSITIVE_INFINITY;
    this.maxElements = options.maxElements ?? Number.POSITIVE_INFINITY;
    // The value itself is one element.
    this.budget = this.maxElements - 1;
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
    const v = this.view;
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
        return this.bin(v.getUint8(p));
      case 0xc5:
        this.need(2);
        this.pos = p + 2;
        return this.bin(v.getUint16(p));
      case 0xc6:
        this.need(4);
        this.pos = p + 4;
        return this.bin(v.getUint32(p));
      case 0xca:
        this.need(4);
        this.pos = p + 4;
        return v.getFloat32(p);
      case 0xcb:
        this.need(8);
        this.pos = p + 8;
        return v.getFloat64(p);
      case 0xcc:
        this.need(1);
        this.pos = p + 1;
        return v.getUint8(p);
      case 0xcd:
        this.need(2);
        this.pos = p + 2;
        return v.getUint16(p);
      case 0xce:
        this.need(4);
        this.pos = p + 4;
        return v.getUint32(p);
      case 0xcf: {
        this.need(8);
        this.pos = p + 8;
        const hi = v.getUint32(p);
        // Below 2^21 in the high word the value is a safe integer.
        if (hi < 0x20_0000) return hi * UINT32_LIMIT + v.getUint32(p + 4);
        return v.getBigUint64(p);
      }
      case 0xd0:
        this.need(1);
        this.pos = p + 1;
        return v.getInt8(p);
      case 0xd1:
        this.need(2);
        this.pos = p + 2;
        return v.getInt16(p);
      case 0xd2:
        this.need(4);
        this.pos = p + 4;
        return v.getInt32(p);
      case 0xd3: {
        this.need(8);
        this.pos = p + 8;
        const hi = v.getInt32(p);
        if (hi >= -0x20_0000 && hi < 0x20_0000) {
          const n = hi * UINT32_LIMIT + v.getUint32(p + 4);
          if (Number.isSafeInteger(n)) return n;
        }
        return v.getBigInt64(p);
      }
      case 0xd9:
        this.need(1);
        this.pos = p + 1;
        return this.str(v.getUint8(p));
      case 0xda:
        this.need(2);
        this.pos = p + 2;
        return this.str(v.getUint16(p));
      case 0xdb:
        this.need(4);
        this.pos = p + 4;
        return this.str(v.getUint32(p));
      case 0xdc:
        this.need(2);
        this.pos = p + 2;
        return this.array(v.getUint16(p), depth);
      case 0xdd:
        this.need(4);
        this.pos = p + 4;
        return this.array(v.getUint32(p), depth);
      case 0xde:
        this.need(2);
        this.pos = p + 2;
        return this.map(v.getUint16(p), depth);
      case 0xdf:
        this.need(4);
        this.pos = p + 4;
        return this.map(v.getUint32(p), depth);
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
    if (n <= 32) {
      let out = '';
      let i = start;
      for (; i < end; i++) {
        const c = b[i]!;
        if (c >= 0x80) break;
        out += String.fromCharCode(c);
      }
      if (i === end) return out;
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
    n = d.view.getUint16(d.pos);
    d.pos += 2;
  } else if (t === 0xdd) {
    d.pos += 1;
    d.need(4);
    n = d.view.getUint32(d.pos);
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
