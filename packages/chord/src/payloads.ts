/**
 * Field helpers for chord payloads (PROTOCOL.md 6.3, 6.4). Parsers never throw: they return
 * undefined for a shape they do not recognise. Bin-or-str fields are read with base's
 * `fieldText` / `fieldBytes`.
 */
import { base58DecodeInt, decodeArrayWithRaw, type WireMessage } from '@p2p/base';

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

function mapKeyId(key: unknown): string {
  if (key instanceof Uint8Array) return `b:${Array.from(key, (b) => b.toString(16).padStart(2, '0')).join('')}`;
  return `${typeof key}:${String(key)}`;
}

/** A decoded msgpack map (plain object for str keys, Map otherwise). */
export type Mapping = Record<string, unknown> | Map<unknown, unknown>;

/**
 * Shallow merge of `delta` into `base` (later keys overwrite), as py2p's `dict.update`. Two plain
 * objects give a plain object; otherwise a Map, with bin keys compared by content.
 */
export function mergeMapping(base: Mapping | undefined, delta: Mapping): Mapping {
  if (!(base instanceof Map) && !(delta instanceof Map)) return { ...(base ?? {}), ...delta };
  const entries = (m: Mapping): Array<[unknown, unknown]> => (m instanceof Map ? [...m] : Object.entries(m));
  const merged = new Map<string, [unknown, unknown]>();
  for (const [k, v] of [...(base ? entries(base) : []), ...entries(delta)]) {
    const id = mapKeyId(k);
    const prior = merged.get(id);
    merged.set(id, [prior ? prior[0] : k, v]);
  }
  return new Map([...merged.values()]);
}
