/**
 * The few DER (ITU-T X.690) encoders a self-signed X.509 certificate needs. Pure functions over
 * Uint8Array; decoding is left to node:crypto's X509Certificate.
 */

const TAG = {
  boolean: 0x01,
  integer: 0x02,
  bitString: 0x03,
  octetString: 0x04,
  null: 0x05,
  oid: 0x06,
  utf8String: 0x0c,
  utcTime: 0x17,
  generalizedTime: 0x18,
  sequence: 0x30,
  set: 0x31,
} as const;

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function encodeLength(length: number): Uint8Array {
  if (length < 0x80) return Uint8Array.of(length);
  const bytes: number[] = [];
  for (let n = length; n > 0; n = Math.floor(n / 256)) bytes.unshift(n & 0xff);
  return Uint8Array.of(0x80 | bytes.length, ...bytes);
}

/** One TLV: tag, definite length, contents. */
export function tlv(tag: number, contents: Uint8Array): Uint8Array {
  return concat([Uint8Array.of(tag), encodeLength(contents.length), contents]);
}

export function sequence(...items: Uint8Array[]): Uint8Array {
  return tlv(TAG.sequence, concat(items));
}

export function set(...items: Uint8Array[]): Uint8Array {
  return tlv(TAG.set, concat(items));
}

/** `[n] EXPLICIT` context-specific constructed wrapper. */
export function explicit(n: number, inner: Uint8Array): Uint8Array {
  return tlv(0xa0 | n, inner);
}

export function boolean(value: boolean): Uint8Array {
  return tlv(TAG.boolean, Uint8Array.of(value ? 0xff : 0x00));
}

export function nullValue(): Uint8Array {
  return tlv(TAG.null, new Uint8Array(0));
}

/** A non-negative INTEGER from big-endian magnitude bytes, minimally encoded. */
export function unsignedInteger(magnitude: Uint8Array): Uint8Array {
  let start = 0;
  while (start < magnitude.length - 1 && magnitude[start] === 0) start++;
  const trimmed = magnitude.subarray(start);
  const body = trimmed.length === 0 ? Uint8Array.of(0) : (trimmed[0]! & 0x80) !== 0 ? concat([Uint8Array.of(0), trimmed]) : trimmed;
  return tlv(TAG.integer, body);
}

export function smallInteger(value: number): Uint8Array {
  if (!Number.isInteger(value) || value < 0 || value > 0x7fffffff) throw new RangeError(`integer out of range: ${value}`);
  const bytes: number[] = [];
  for (let n = value; n > 0; n = Math.floor(n / 256)) bytes.unshift(n & 0xff);
  return unsignedInteger(Uint8Array.from(bytes));
}

/** BIT STRING with no unused bits (signatures, keys). */
export function bitString(bytes: Uint8Array): Uint8Array {
  return tlv(TAG.bitString, concat([Uint8Array.of(0), bytes]));
}

export function octetString(bytes: Uint8Array): Uint8Array {
  return tlv(TAG.octetString, bytes);
}

export function utf8String(text: string): Uint8Array {
  return tlv(TAG.utf8String, new TextEncoder().encode(text));
}

/** OBJECT IDENTIFIER from dotted text, e.g. '2.5.4.3'. */
export function oid(dotted: string): Uint8Array {
  const arcs = dotted.split('.').map((a) => {
    if (!/^\d+$/.test(a)) throw new RangeError(`bad OID ${dotted}`);
    return Number(a);
  });
  if (arcs.length < 2) throw new RangeError(`bad OID ${dotted}`);
  const out: number[] = [];
  const push = (arc: number): void => {
    const groups = [arc & 0x7f];
    for (let n = Math.floor(arc / 128); n > 0; n = Math.floor(n / 128)) groups.unshift((n & 0x7f) | 0x80);
    out.push(...groups);
  };
  push(arcs[0]! * 40 + arcs[1]!);
  for (const arc of arcs.slice(2)) push(arc);
  return tlv(TAG.oid, Uint8Array.from(out));
}

/**
 * X.509 Time (RFC 5280 4.1.2.5): UTCTime through 2049, GeneralizedTime from 2050, seconds
 * precision, always UTC ('Z').
 */
export function time(date: Date): Uint8Array {
  const p = (n: number, w = 2): string => String(n).padStart(w, '0');
  const year = date.getUTCFullYear();
  const rest = `${p(date.getUTCMonth() + 1)}${p(date.getUTCDate())}${p(date.getUTCHours())}${p(date.getUTCMinutes())}${p(date.getUTCSeconds())}Z`;
  const ascii = (s: string): Uint8Array => new TextEncoder().encode(s);
  if (year >= 1950 && year < 2050) return tlv(TAG.utcTime, ascii(`${p(year % 100)}${rest}`));
  return tlv(TAG.generalizedTime, ascii(`${p(year, 4)}${rest}`));
}
