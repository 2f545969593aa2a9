/**
 * Readers for fields as peers send them. py2p sends ids and keys as bin, js2p as str
 * (PROTOCOL.md 1.5): every package reads them through these, so the rules live in one place.
 * Readers never throw on peer input: they return undefined for a shape they do not accept.
 */
import { InvalidArgumentError } from './errors';
import { utf8Encode } from './bytes';

const strictDecoder = new TextDecoder('utf-8', { fatal: true });

/**
 * Text of a bin-or-str field. Bin must be valid UTF-8 (a lossy decode could make two different
 * byte strings read as one id); anything else gives undefined.
 */
export function fieldText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (value instanceof Uint8Array) {
    try {
      return strictDecoder.decode(value);
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/** Bytes of a bin-or-str field (str is its UTF-8), as a private copy; undefined for other types. */
export function fieldBytes(value: unknown): Uint8Array | undefined {
  if (value instanceof Uint8Array) return value.slice();
  if (typeof value === 'string') return utf8Encode(value);
  return undefined;
}

/** A decoded msgpack map: a plain object (str keys) or a Map (any other keys). */
export function isMapping(value: unknown): value is Record<string, unknown> | Map<unknown, unknown> {
  if (value instanceof Map) return true;
  if (value === null || typeof value !== 'object' || Array.isArray(value) || ArrayBuffer.isView(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/** What the key-value APIs (sync, chord) accept as a key. */
export type KeyInput = string | Uint8Array | ArrayBuffer | ArrayBufferView;

/**
 * The bytes of a user key: text is UTF-8 encoded, binary input is copied (so a caller mutating
 * its buffer later cannot change a stored key).
 * @throws InvalidArgumentError (`INVALID_ARGUMENT`) for any other type
 */
export function keyBytes(key: KeyInput, what = 'a key'): Uint8Array {
  if (typeof key === 'string') return utf8Encode(key);
  if (key instanceof Uint8Array) return key.slice();
  if (key instanceof ArrayBuffer) return new Uint8Array(key.slice(0));
  if (ArrayBuffer.isView(key)) return new Uint8Array(key.buffer, key.byteOffset, key.byteLength).slice();
  throw new InvalidArgumentError(`${what} must be a string or bytes`, { details: { type: typeof key } });
}
