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

/** `packets` is `Message.packets` (sub-flag first), `packed` the message's msgpack. */
export function parseStore(packets: readonly unknown[], packed: Uint8Array): PlainStore | ReplayStore | Malformed {
  if (packets.length < 3) return { kind: 'malformed', reason: `store with ${packets.length - 1} fields, at least 2 required` };
  const key = fieldBytes(packets[1]);
  if (key === undefined) return { kind: 'malformed', reason: 'store key is neither bin nor str' };
  const valueRaw = payloadRaw(packed)[2]!.slice();
  if (packets.length !== 5) {
    return { kind: 'store', key, raw: valueRaw[0] === NIL ? undefined : valueRaw };
  }
  if (valueRaw[0] === NIL) return { kind: 'malformed', reason: 'join-replay store without a value' };
  const owner = ownerText(packets[3]);
  if (owner === undefined) return { kind: 'malformed', reason: 'store owner is not a node id' };
  const timestamp = toTimestamp(packets[4]);
  if (timestamp === undefined) return { kind: 'malformed', reason: 'store timestamp is not a number' };
  return { kind: 'replay', key, raw: valueRaw, owner, timestamp };
}

export function parseDelta(packets: readonly unknown[], packed: Uint8Array): Delta | Malformed {
  if (packets.length < 3) return { kind: 'malformed', reason: `delta with ${packets.length - 1} fields, at least 2 required` };
  const key = fieldBytes(packets[1]);
  if (key === undefined) return { kind: 'malformed', reason: 'delta key is neither bin nor str' };
  const raw = payloadRaw(packed)[2]!;
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
