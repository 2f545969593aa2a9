/**
 * Parsers of sync's wire messages (PROTOCOL.md 5.3, 5.4). Pure: they return a description of
 * the message or the reason it is malformed, never throw. Values are taken as their raw msgpack
 * bytes (copied), so they can be stored and re-sent without re-encoding.
 */
import { decodeArrayWithRaw, fieldBytes, isValidNodeId } from '@p2p/base';
import { isRawMap } from './raw-map';

/** msgpack nil. */
const NIL = 0xc0;
/** Packet array elements before the payload: main flag, sender, time. */
const HEADER_FIELDS = 3;

/** `store [key, value]` (value nil = delete); py2p treats every length but 5 this way. */
export interface PlainStore {
  kind: 'store';
  key: Uint8Array;
  /** The value's msgpack, or undefined for a delete. */
  raw: Uint8Array | undefined;
}

/** `store [key, value, owner, timestamp]`: the join replay. */
export interface ReplayStore {
  kind: 'replay';
  key: Uint8Array;
  raw: Uint8Array;
  owner: string;
  timestamp: number;
}

export interface Malformed {
  kind: 'malformed';
  reason: string;
}

/** `delta [key, map]`. */
export interface Delta {
  kind: 'delta';
  key: Uint8Array;
  raw: Uint8Array;
}

/** Each payload element's msgpack bytes (`payload[i]` is `raw[i]`). */
function payloadRaw(packed: Uint8Array): Uint8Array[] {
  return decodeArrayWithRaw(packed).raw.slice(HEADER_FIELDS);
}

/**
 * The last element's bytes of `packed` when it is a 6-element array (header, sub-flag, key,
 * value: every live store and delta) whose first five elements are scalars, found without
 * decoding anything; undefined otherwise (the caller then decodes). `packed` is one valid msgpack
 * value (the frame decoder checked it, trailing bytes included).
 */
export function lastOfSix(packed: Uint8Array): Uint8Array | undefined {
  if (packed[0] !== 0x96) return undefined;
  let pos = 1;
  for (let i = 0; i < 5; i++) {
    pos = skipScalar(packed, pos);
    if (pos < 0 || pos >= packed.length) return undefined;
  }
  return packed.subarray(pos);
}

/** The end of the scalar (nil, bool, int, float, str, bin) starting at `pos`, or -1 for anything else. */
function skipScalar(b: Uint8Array, pos: number): number {
  const t = b[pos];
  if (t === undefined) return -1;
  if (t <= 0x7f || t >= 0xe0 || t === 0xc0 || t === 0xc2 || t === 0xc3) return pos + 1;
  if (t >= 0xa0 && t <= 0xbf) return pos + 1 + (t & 0x1f);
  switch (t) {
    case 0xcc:
    case 0xd0:
      return pos + 2;
    case 0xcd:
    case 0xd1:
      return pos + 3;
    case 0xca:
    case 0xce:
    case 0xd2:
      return pos + 5;
    case 0xcb:
    case 0xcf:
    case 0xd3:
      return pos + 9;
    case 0xc4:
    case 0xd9:
      return pos + 2 + (b[pos + 1] ?? 0);
    case 0xc5:
    case 0xda:
      return pos + 3 + (((b[pos + 1] ?? 0) << 8) | (b[pos + 2] ?? 0));
    case 0xc6:
    case 0xdb:
      return pos + 5 + (((b[pos + 1] ?? 0) << 24) >>> 0) + ((b[pos + 2] ?? 0) << 16) + ((b[pos + 3] ?? 0) << 8) + (b[pos + 4] ?? 0);
    default:
      return -1;
  }
}

/** Payload element 2 (the value) of a store or delta. */
function valueRaw(packets: readonly unknown[], packed: Uint8Array): Uint8Array {
  return (packets.length === 3 ? lastOfSix(packed) : undefined) ?? payloadRaw(packed)[2]!;
}

/** `packets` is `Message.packets` (sub-flag first), `packed` the message's msgpack. */
export function parseStore(packets: readonly unknown[], packed: Uint8Array): PlainStore | ReplayStore | Malformed {
  if (packets.length < 3) return { kind: 'malformed', reason: `store with ${packets.length - 1} fields, at least 2 required` };
  const key = fieldBytes(packets[1]);
  if (key === undefined) return { kind: 'malformed', reason: 'store key is neither bin nor str' };
  const value = valueRaw(packets, packed).slice();
  if (packets.length !== 5) {
    return { kind: 'store', key, raw: value[0] === NIL ? undefined : value };
  }
  if (value[0] === NIL) return { kind: 'malformed', reason: 'join-replay store without a value' };
  const owner = ownerText(packets[3]);
  if (owner === undefined) return { kind: 'malformed', reason: 'store owner is not a node id' };
  const timestamp = toTimestamp(packets[4]);
  if (timestamp === undefined) return { kind: 'malformed', reason: 'store timestamp is not a number' };
  return { kind: 'replay', key, raw: value, owner, timestamp };
}

export function parseDelta(packets: readonly unknown[], packed: Uint8Array): Delta | Malformed {
  if (packets.length < 3) return { kind: 'malformed', reason: `delta with ${packets.length - 1} fields, at least 2 required` };
  const key = fieldBytes(packets[1]);
  if (key === undefined) return { kind: 'malformed', reason: 'delta key is neither bin nor str' };
  const raw = valueRaw(packets, packed);
  if (!isRawMap(raw)) return { kind: 'malformed', reason: 'delta is not a map' };
  return { kind: 'delta', key, raw: raw.slice() };
}

const textDecoder = new TextDecoder('utf-8', { fatal: true });

/** An owner id: bin (py2p) or str (js2p) holding base58 text of a valid node id. */
function ownerText(value: unknown): string | undefined {
  let text: string;
  if (typeof value === 'string') text = value;
  else if (value instanceof Uint8Array) {
    try {
      text = textDecoder.decode(value);
    } catch {
      return undefined;
    }
  } else return undefined;
  return isValidNodeId(text) ? text : undefined;
}

function toTimestamp(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'bigint') return Number(value);
  return undefined;
}

// ---------------------------------------------------------------- authenticated subnets

/** A store's or delete's owner proof as it travels: `publicKey: bin(32), signature: bin(64)` (signed-writes.ts). */
export interface Proof {
  readonly publicKey: Uint8Array;
  readonly signature: Uint8Array;
}

/** `store [key, value | nil, publicKey, signature]`: a live write by the message's sender, dated by its packet. */
export interface SignedStore extends Omit<PlainStore, 'kind'> {
  kind: 'store';
  proof: Proof;
}

/** `store [key, value, owner, timestamp, publicKey, signature]`: the join replay of a signed version. */
export interface SignedReplay extends Omit<ReplayStore, 'kind'> {
  kind: 'replay';
  proof: Proof;
}

/** The proof in `packets[at]`, `packets[at + 1]`, or undefined. */
function proofAt(packets: readonly unknown[], at: number): Proof | undefined {
  const publicKey = packets[at];
  const signature = packets[at + 1];
  if (!(publicKey instanceof Uint8Array) || publicKey.length !== 32) return undefined;
  if (!(signature instanceof Uint8Array) || signature.length !== 64) return undefined;
  return { publicKey: publicKey.slice(), signature: signature.slice() };
}

/**
 * A store in an authenticated subnet (its own layouts: no py2p node is ever in one). `packets`
 * is `Message.packets` (the mesh's envelope already removed), `packed` the message's msgpack.
 */
export function parseSignedStore(packets: readonly unknown[], packed: Uint8Array): SignedStore | SignedReplay | Malformed {
  if (packets.length !== 5 && packets.length !== 7) {
    return { kind: 'malformed', reason: `signed store with ${packets.length - 1} fields, 4 or 6 required` };
  }
  const key = fieldBytes(packets[1]);
  if (key === undefined) return { kind: 'malformed', reason: 'store key is neither bin nor str' };
  const proof = proofAt(packets, packets.length - 2);
  if (proof === undefined) return { kind: 'malformed', reason: 'store without its owner proof (a 32-byte key and a 64-byte signature)' };
  const value = payloadRaw(packed)[2]!.slice();
  if (packets.length === 5) return { kind: 'store', key, raw: value[0] === NIL ? undefined : value, proof };
  if (value[0] === NIL) return { kind: 'malformed', reason: 'join-replay store without a value' };
  const owner = ownerText(packets[3]);
  if (owner === undefined) return { kind: 'malformed', reason: 'store owner is not a node id' };
  const timestamp = toTimestamp(packets[4]);
  if (timestamp === undefined) return { kind: 'malformed', reason: 'store timestamp is not a number' };
  return { kind: 'replay', key, raw: value, owner, timestamp, proof };
}

/** `deleted [key, owner, timestamp, publicKey, signature]`: a recorded delete's replay in an authenticated subnet. */
export function parseSignedDeleted(
  packets: readonly unknown[],
): { kind: 'deleted'; key: Uint8Array; owner: string; timestamp: number; proof: Proof } | Malformed {
  if (packets.length !== 6) return { kind: 'malformed', reason: `signed deleted with ${packets.length - 1} fields, 5 required` };
  const key = fieldBytes(packets[1]);
  if (key === undefined) return { kind: 'malformed', reason: 'deleted key is neither bin nor str' };
  const owner = ownerText(packets[2]);
  if (owner === undefined) return { kind: 'malformed', reason: 'deleted owner is not a node id' };
  const timestamp = toTimestamp(packets[3]);
  if (timestamp === undefined) return { kind: 'malformed', reason: 'deleted timestamp is not a number' };
  const proof = proofAt(packets, 4);
  if (proof === undefined) return { kind: 'malformed', reason: 'deleted without its owner proof' };
  return { kind: 'deleted', key, owner, timestamp, proof };
}
