/**
 * Shallow map merges over raw msgpack (PROTOCOL.md 5.4), so that a merged value keeps every
 * entry's original bytes (a Python `2.0` stays a float when the join replay re-sends it).
 */
import { decodeArrayWithRaw, toHex } from '@p2p/base';

/** True when `raw` starts a msgpack map (fixmap, map16, map32). */
export function isRawMap(raw: Uint8Array): boolean {
  const t = raw[0];
  return t !== undefined && ((t >= 0x80 && t <= 0x8f) || t === 0xde || t === 0xdf);
}

/** The `[key, value]` byte ranges of a raw map, in order. `raw` must hold one map. */
export function splitRawMap(raw: Uint8Array): Array<[Uint8Array, Uint8Array]> {
  const t = raw[0]!;
  let n: number;
  let headerBytes: number;
  if (t <= 0x8f) {
    n = t & 0x0f;
    headerBytes = 1;
  } else if (t === 0xde) {
    n = (raw[1]! << 8) | raw[2]!;
    headerBytes = 3;
  } else {
    n = ((raw[1]! << 24) >>> 0) + (raw[2]! << 16) + (raw[3]! << 8) + raw[4]!;
    headerBytes = 5;
  }
  // A map of n pairs has the body of an array of 2n elements: re-head it and let the array
  // decoder find each element's bytes.
  const body = raw.subarray(headerBytes);
  const asArray = new Uint8Array(5 + body.length);
  asArray[0] = 0xdd;
  new DataView(asArray.buffer).setUint32(1, n * 2);
  asArray.set(body, 5);
  const { raw: parts } = decodeArrayWithRaw(asArray);
  const pairs: Array<[Uint8Array, Uint8Array]> = [];
  for (let i = 0; i < n; i++) pairs.push([parts[2 * i]!, parts[2 * i + 1]!]);
  return pairs;
}

/** A raw map of `pairs`, in order. */
export function joinRawMap(pairs: ReadonlyArray<readonly [Uint8Array, Uint8Array]>): Uint8Array {
  const n = pairs.length;
  const headerBytes = n < 16 ? 1 : n < 0x10000 ? 3 : 5;
  let size = headerBytes;
  for (const [k, v] of pairs) size += k.length + v.length;
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  if (n < 16) out[0] = 0x80 | n;
  else if (n < 0x10000) {
    out[0] = 0xde;
    view.setUint16(1, n);
  } else {
    out[0] = 0xdf;
    view.setUint32(1, n);
  }
  let at = headerBytes;
  for (const [k, v] of pairs) {
    out.set(k, at);
    at += k.length;
    out.set(v, at);
    at += v.length;
  }
  return out;
}

/**
 * `base` updated with `delta` as Python's `dict.update`: existing keys keep their position and
 * take the new value, new keys are appended. Keys are compared by their msgpack bytes. Either
 * may be undefined (an empty map).
 */
export function mergeRawMaps(base: Uint8Array | undefined, delta: Uint8Array): Uint8Array {
  const merged = new Map<string, [Uint8Array, Uint8Array]>();
  for (const pair of base === undefined ? [] : splitRawMap(base)) merged.set(toHex(pair[0]), pair);
  for (const pair of splitRawMap(delta)) {
    const id = toHex(pair[0]);
    const existing = merged.get(id);
    if (existing) existing[1] = pair[1];
    else merged.set(id, pair);
  }
  return joinRawMap([...merged.values()]);
}
