/**
 * Whether two tables answered the same value (PROTOCOL.md 6.5: equality of decoded values), without
 * encoding either on the common path: identical msgpack bytes, or structurally equal decoded
 * values (maps with text keys compared as dictionaries, as py2p's `==` does), or, as the last
 * resort for anything else, identical canonical encodings.
 */
import { bytesEqual, encodeMsgpack, isMapping, toHex } from '@p2p/base';

/** Nesting compared structurally; deeper values are compared by their encodings. */
const MAX_DEPTH = 32;

/** One distinct value among a read's answers. */
interface Group {
  readonly value: unknown;
  readonly raw: Uint8Array | undefined;
  /** Its canonical encoding as hex, computed only when an answer matches no group otherwise. */
  canon?: string;
}

/** The distinct values answered so far, numbered in the order first seen. */
export class ValueGroups {
  readonly #groups: Group[] = [];

  /** The number of `value`'s group (a new one when it equals none so far); `raw` is its msgpack bytes when known. */
  groupOf(value: unknown, raw: Uint8Array | undefined): number {
    const groups = this.#groups;
    for (let i = 0; i < groups.length; i++) {
      const g = groups[i]!;
      if (raw !== undefined && g.raw !== undefined && bytesEqual(raw, g.raw)) return i;
      if (sameValue(value, g.value, 0)) return i;
    }
    if (groups.length > 0) {
      const canon = canonical(value);
      for (let i = 0; i < groups.length; i++) {
        const g = groups[i]!;
        g.canon ??= canonical(g.value);
        if (canon !== undefined && g.canon === canon) return i;
      }
    }
    groups.push({ value, raw });
    return groups.length - 1;
  }
}

/** Structural equality of decoded msgpack values; false for anything it cannot compare (the caller then compares encodings). */
export function sameValue(a: unknown, b: unknown, depth = 0): boolean {
  if (a === b) return true;
  if (typeof a === 'number' && typeof b === 'number') return Number.isNaN(a) && Number.isNaN(b);
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null || depth > MAX_DEPTH) return false;
  if (a instanceof Uint8Array) return b instanceof Uint8Array && bytesEqual(a, b);
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameValue(a[i], b[i], depth + 1)) return false;
    return true;
  }
  if (a instanceof Map) {
    if (!(b instanceof Map) || a.size !== b.size) return false;
    const other = b.entries();
    for (const [key, value] of a) {
      const next = other.next().value as [unknown, unknown];
      if (!sameValue(key, next[0], depth + 1) || !sameValue(value, next[1], depth + 1)) return false;
    }
    return true;
  }
  // Arrays, bytes and Maps are handled above: what is left of a mapping is a plain object.
  if (!isMapping(a) || !isMapping(b) || a instanceof Map || b instanceof Map) return false;
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  for (const key of keys) if (!Object.hasOwn(b, key) || !sameValue(a[key], b[key], depth + 1)) return false;
  return true;
}

function canonical(value: unknown): string | undefined {
  try {
    return toHex(encodeMsgpack(value));
  } catch {
    return undefined;
  }
}
