/**
 * Field helpers for chord payloads (PROTOCOL.md 6.3, 6.4). Parsers never throw: they return
 * undefined for a shape they do not recognise.
 */
import { base58DecodeInt, base58EncodeInt, decodeArrayWithRaw, utf8Decode, utf8Encode, type WireMessage } from '@p2p/base';

/**
 * TS-only extension (PROTOCOL.md 9, F14): `whisper / 0x2f [method, key, value | nil]` gives the
 * node behind the responsible one a backup copy, so it can take over when that node vanishes.
 * A separate message, never extra fields; py2p and js2p drop unknown sub-flags silently. Chosen
 * inside py2p's reserved range (below 0x30), where no application sub-flag lives.
 */
export const BACKUP_SUBFLAG = 0x2f;

/** Text of an id-like field: py2p sends bin, js2p str (PROTOCOL.md 1.5); both are accepted. */
export function fieldText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (value instanceof Uint8Array) {
    try {
      return utf8Decode(value);
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/** Bytes of a key field (a str key from js2p is its UTF-8). */
export function fieldBytes(value: unknown): Uint8Array | undefined {
  if (value instanceof Uint8Array) return value.slice();
  if (typeof value === 'string') return utf8Encode(value);
  return undefined;
}

/** The wire form of a ring key: base58 of the integer, as bin. */
export function ringKeyBin(k: bigint): Uint8Array {
  return utf8Encode(base58EncodeInt(k));
}

/** Decodes a base58 ring key; undefined for text outside the alphabet or absurd lengths. */
export function parseRingKey(text: string): bigint | undefined {
  if (text.length === 0 || text.length > 128) return undefined;
  try {
    return base58DecodeInt(text);
  } catch {
    return undefined;
  }
}

/** The msgpack bytes of payload element `index` (sub-flag = 0), copied; undefined if not decodable. */
export function rawPayloadField(wire: WireMessage, index: number): Uint8Array | undefined {
  try {
    const raw = decodeArrayWithRaw(wire.packed).raw[3 + index];
    return raw?.slice();
  } catch {
    return undefined;
  }
}

/** A msgpack map as decoded (plain object for str keys, Map otherwise). */
export function isMapping(value: unknown): value is Record<string, unknown> | Map<unknown, unknown> {
  if (value instanceof Map) return true;
  if (value === null || typeof value !== 'object' || Array.isArray(value) || value instanceof Uint8Array) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

function mapKeyId(key: unknown): string {
  if (key instanceof Uint8Array) return `b:${Array.from(key, (b) => b.toString(16).padStart(2, '0')).join('')}`;
  return `${typeof key}:${String(key)}`;
}

/**
 * Shallow merge of `delta` into `base` (later keys overwrite), as py2p's `dict.update`. Two plain
 * objects give a plain object; otherwise a Map, with bin keys compared by content.
 */
export function mergeMapping(
  base: Record<string, unknown> | Map<unknown, unknown> | undefined,
  delta: Record<string, unknown> | Map<unknown, unknown>,
): Record<string, unknown> | Map<unknown, unknown> {
  if (!(base instanceof Map) && !(delta instanceof Map)) return { ...(base ?? {}), ...delta };
  const entries = (m: Record<string, unknown> | Map<unknown, unknown>): Array<[unknown, unknown]> =>
    m instanceof Map ? [...m] : Object.entries(m);
  const merged = new Map<string, [unknown, unknown]>();
  for (const [k, v] of [...(base ? entries(base) : []), ...entries(delta)]) {
    const id = mapKeyId(k);
    const prior = merged.get(id);
    merged.set(id, [prior ? prior[0] : k, v]);
  }
  return new Map([...merged.values()]);
}
