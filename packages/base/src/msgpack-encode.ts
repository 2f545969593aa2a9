/** The msgpack encoder, as py2p's u-msgpack writes (see msgpack.ts for the rules). */
import { EncodeError } from './errors';
import { MsgpackFloat, RawMsgpack } from './msgpack-values';

// Deep enough for any real payload, shallow enough to stop cycles before the JS stack does.
const MAX_ENCODE_DEPTH = 512;
const UINT32_LIMIT = 0x1_0000_0000;
const INT64_MIN = -(1n << 63n);
const UINT64_MAX = (1n << 64n) - 1n;

const textEncoder = new TextEncoder();

// Senders' ids as bin (header included), by id text: at most 64, of at most 128 characters each.
const SENDER_BINS = 64;
const MAX_KEPT_SENDER = 128;
const senderBins = new Map<string, Uint8Array>();

class Encoder {
  buf: Uint8Array;
  view: DataView;
  pos = 0;

  constructor(initialSize: number) {
    this.buf = new Uint8Array(initialSize);
    this.view = new DataView(this.buf.buffer);
  }

  /** The encoded bytes as an array of their own (callers keep them). */
  take(): Uint8Array {
    return this.buf.slice(0, this.pos);
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
    this.utf8(s, 0xd9, 0xda, 0xdb);
  }

  /** `s` as UTF-8 behind the smallest of the three length headers (str8/16/32 or bin8/16/32). */
  utf8(s: string, c8: number, c16: number, c32: number): void {
    const n = s.length;
    const max = n * 3;
    const reserved = max < 0x100 ? 2 : max < 0x10000 ? 3 : 5;
    this.ensure(reserved + max);
    const start = this.pos + reserved;
    const written = n < 128 ? writeUtf8Short(s, this.buf, start) - start : textEncoder.encodeInto(s, this.buf.subarray(start)).written;
    const header = written < 0x100 ? 2 : written < 0x10000 ? 3 : 5;
    if (written >= UINT32_LIMIT) throw new EncodeError('string longer than 2^32-1 bytes');
    if (header < reserved) this.buf.copyWithin(this.pos + header, start, start + written);
    const p = this.pos;
    if (header === 2) {
      this.buf[p] = c8;
      this.buf[p + 1] = written;
    } else if (header === 3) {
      this.buf[p] = c16;
      this.view.setUint16(p + 1, written);
    } else {
      this.buf[p] = c32;
      this.view.setUint32(p + 1, written);
    }
    this.pos = p + header + written;
  }

  /** `utf8(sender)` as bin, from the encodings of recent senders (a node sends as itself). */
  senderBin(sender: string): void {
    let encoded = senderBins.get(sender);
    if (encoded === undefined) {
      const start = this.pos;
      this.utf8(sender, 0xc4, 0xc5, 0xc6);
      if (sender.length > MAX_KEPT_SENDER) return;
      encoded = this.buf.slice(start, this.pos);
      if (senderBins.size >= SENDER_BINS) senderBins.clear();
      senderBins.set(sender, encoded);
      return;
    }
    const n = encoded.length;
    this.ensure(n);
    const b = this.buf;
    const p = this.pos;
    for (let i = 0; i < n; i++) b[p + i] = encoded[i]!;
    this.pos = p + n;
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

// One encoder serves every call: a fresh one per call (its buffer and DataView) cost more than
// encoding a small packet. A call made while it is busy (a getter that encodes, say) gets its own.
const SCRATCH_BYTES = 4096;
// A scratch grown past this for one large value is let go after it, not kept for the process.
const SCRATCH_KEEP_BYTES = 1024 * 1024;
let scratch: Encoder | undefined;
let scratchBusy = false;

function acquire(): Encoder {
  if (scratchBusy) return new Encoder(256);
  scratchBusy = true;
  scratch ??= new Encoder(SCRATCH_BYTES);
  scratch.pos = 0;
  return scratch;
}

function release(encoder: Encoder): void {
  if (encoder !== scratch) return;
  scratchBusy = false;
  if (encoder.buf.length > SCRATCH_KEEP_BYTES) scratch = undefined;
}

const noRoom = (): number => 0;

/**
 * Encodes `value` as py2p would (PROTOCOL.md 1.5). Safe integers (and bigints) get the smallest
 * int width; other numbers float64; strings str; `Uint8Array`/`Buffer`/`ArrayBuffer`/byte views
 * bin; arrays array; `Map` and plain objects map in insertion order; `null`/`undefined` nil.
 * Throws `ENCODE_ERROR` on anything else (functions, symbols, Dates, class instances, cycles,
 * integers beyond 64 bits). The result is an array of its own, exactly as long as the encoding.
 */
export function encodeMsgpack(value: unknown): Uint8Array {
  const encoder = acquire();
  try {
    encoder.encode(value, 0);
    return encoder.take();
  } finally {
    release(encoder);
  }
}

/**
 * The packet array `[type, sender, time, ...payload]` with the sender's text as bin
 * (PROTOCOL.md 1.3, 1.5): the bytes `encodeMsgpack([type, utf8Encode(sender), time, ...payload])`
 * gives, without building that array or the sender's bytes. They come as a view at
 * `room(length)` into an array of their own, which leaves that many bytes free in front.
 * @internal
 */
export function encodePacket(
  type: number,
  sender: string,
  time: number,
  payload: readonly unknown[],
  room: (length: number) => number = noRoom,
): Uint8Array {
  const encoder = acquire();
  try {
    encoder.arrayHeader(3 + payload.length);
    encoder.encode(type, 1);
    encoder.senderBin(sender);
    encoder.encode(time, 1);
    for (let i = 0; i < payload.length; i++) encoder.encode(payload[i], 1);
    const at = room(encoder.pos);
    if (at === 0) return encoder.take();
    const out = new Uint8Array(at + encoder.pos);
    out.set(encoder.buf.subarray(0, encoder.pos), at);
    return out.subarray(at);
  } finally {
    release(encoder);
  }
}
