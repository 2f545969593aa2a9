/**
 * Sync keys are bytes (PROTOCOL.md 5.2): text keys are their UTF-8, so `'测试'` and its UTF-8
 * bytes name the same entry. Internally entries are indexed by the lowercase hex of the bytes.
 */
import { InvalidArgumentError, toHex, utf8Encode } from '@p2p/base';

/** What the API accepts as a key. */
export type SyncKey = string | Uint8Array | ArrayBuffer | ArrayBufferView;

/** The key's bytes (a private copy for binary input). @throws InvalidArgumentError */
export function keyBytes(key: SyncKey): Uint8Array {
  if (typeof key === 'string') return utf8Encode(key);
  if (key instanceof Uint8Array) return key.slice();
  if (key instanceof ArrayBuffer) return new Uint8Array(key.slice(0));
  if (ArrayBuffer.isView(key)) return new Uint8Array(key.buffer, key.byteOffset, key.byteLength).slice();
  throw new InvalidArgumentError('a sync key must be a string or bytes', { details: { type: typeof key } });
}

/** The index of a key's bytes. */
export function keyId(bytes: Uint8Array): string {
  return toHex(bytes);
}

/** A key as received: bin (py2p, TS) or str (js2p's join replay, PROTOCOL.md 5.6). */
export function wireKey(value: unknown): Uint8Array | undefined {
  if (value instanceof Uint8Array) return value.slice();
  if (typeof value === 'string') return utf8Encode(value);
  return undefined;
}
