/**
 * Every chord message, built in one place (PROTOCOL.md 6.3, 6.4; layouts as in py2p's
 * traffic-chord.json). A builder returns what goes on the wire; the caller picks the link.
 */
import { FrameTooLargeError, MainFlags, RawMsgpack, SubFlags, utf8Encode } from '@p2p/base';
import { HASH_METHODS, type HashMethod } from './hashing';
import { ringKeyText } from './ring-key-codec';
import type { MeshConnection, MeshHost } from '@p2p/mesh';
import type { Entry } from './tables';

/**
 * TS-only extension (PROTOCOL.md 9, F14): `whisper / 0x2f [method, key, value | nil]` gives the
 * node behind the responsible one a backup copy, so it can take over when that node vanishes.
 * A separate message, never extra fields; py2p and js2p drop unknown sub-flags silently. Chosen
 * inside py2p's reserved range (below 0x30), where no application sub-flag lives.
 */
export const BACKUP_SUBFLAG = 0x2f;

/**
 * TS-only, like BACKUP_SUBFLAG: `whisper / 0x2b [method, key, value | nil, method, key, ...]`
 * carries several backup copies for the same node in one message (the backups of one tick).
 */
export const BACKUP_BATCH_SUBFLAG = 0x2b;

/**
 * Bytes a store, delta or backup frame adds around its value: checksum, flags, sender id, time,
 * method and a 512-bit ring key in base58, with msgpack headers (an upper bound).
 */
export const WRITE_OVERHEAD_BYTES = 256;

/**
 * Throws before anything is stored or sent when a value of `valueBytes` (encoded) cannot travel
 * in one frame of `maxFrameBytes`: the receiving node would drop the link.
 * @throws FrameTooLargeError (`FRAME_TOO_LARGE`)
 */
export function assertWriteFits(valueBytes: number, maxFrameBytes: number): void {
  if (valueBytes + WRITE_OVERHEAD_BYTES <= maxFrameBytes) return;
  throw new FrameTooLargeError(`value of ${valueBytes} bytes does not fit in one frame (maxFrameBytes ${maxFrameBytes}); nothing was stored or sent`, {
    details: { bytes: valueBytes, maxFrameBytes },
  });
}

/** One message: main flag, sub-flag and the packets after the sub-flag. */
export interface ChordMessage {
  readonly flag: number;
  readonly type: number;
  readonly packets: readonly unknown[];
}

const METHOD_BIN: Readonly<Record<HashMethod, Uint8Array>> = Object.freeze(
  Object.fromEntries(HASH_METHODS.map((m) => [m, utf8Encode(m)])) as Record<HashMethod, Uint8Array>,
);
/** The delete marker of `notify [key, "del"]`, bin as py2p sends it (PROTOCOL.md 1.5). */
const DEL_MARKER = utf8Encode('del');

/** The wire form of a ring key: base58 of the integer, as bin. */
export function ringKeyBin(k: bigint): Uint8Array {
  return utf8Encode(ringKeyText(k));
}

/** A stored value as sent: its msgpack bytes as received (so re-sends do not drift), or nil. */
function wireValue(entry: Entry | null | undefined): unknown {
  return entry ? new RawMsgpack(entry.raw) : null;
}

const whisper = (type: number, packets: readonly unknown[]): ChordMessage => ({ flag: MainFlags.whisper, type, packets });

/** `whisper / handshake ["0" | "1"]`: chord meta, "0" when this node stores (PROTOCOL.md 6.3). */
export function metaMessage(storing: boolean): ChordMessage {
  return whisper(SubFlags.handshake, [storing ? '0' : '1']);
}

/** `whisper / notify [key]`: a known key, sent after meta on a new link (PROTOCOL.md 6.3). */
export function keyNoticeMessage(key: Uint8Array): ChordMessage {
  return whisper(SubFlags.notify, [key]);
}

/** `broadcast / notify [key]`: a new key. */
export function notifyAddMessage(key: Uint8Array): ChordMessage {
  return { flag: MainFlags.broadcast, type: SubFlags.notify, packets: [key] };
}

/** `broadcast / notify [key, "del"]`: a deleted key. */
export function notifyDeleteMessage(key: Uint8Array): ChordMessage {
  return { flag: MainFlags.broadcast, type: SubFlags.notify, packets: [key, DEL_MARKER] };
}

/**
 * `whisper / store [method, key, value | nil]` (PROTOCOL.md 6.4). `keyBin`, when given, is the
 * wire form of `k` already at hand (exactly {@link ringKeyBin}'s bytes; never modified).
 */
export function storeMessage(method: HashMethod, k: bigint, entry: Entry | null | undefined, keyBin: Uint8Array = ringKeyBin(k)): ChordMessage {
  return whisper(SubFlags.store, [METHOD_BIN[method], keyBin, wireValue(entry)]);
}

/** `whisper / delta [method, key, map]` (PROTOCOL.md 6.4). */
export function deltaMessage(method: HashMethod, k: bigint, delta: unknown): ChordMessage {
  return whisper(SubFlags.delta, [METHOD_BIN[method], ringKeyBin(k), delta]);
}

/** `whisper / retrieve [method, key]` (PROTOCOL.md 6.4). */
export function retrieveMessage(method: HashMethod, k: bigint, keyBin: Uint8Array = ringKeyBin(k)): ChordMessage {
  return whisper(SubFlags.retrieve, [METHOD_BIN[method], keyBin]);
}

/**
 * `whisper / retrieved [method, key, value | nil]`: the answer from this node's tables. Method
 * and key are echoed as the asker sent them (bin from py2p, str from js2p).
 */
export function retrievedMessage(method: unknown, key: unknown, entry: Entry | null | undefined): ChordMessage {
  return whisper(SubFlags.retrieved, [method, key, wireValue(entry)]);
}

/** `whisper / retrieved [...]` passing on an answer that came from elsewhere: its bytes as received when known. */
export function forwardedRetrievedMessage(method: unknown, key: unknown, value: unknown, raw: Uint8Array | undefined): ChordMessage {
  return whisper(SubFlags.retrieved, [method, key, raw ? new RawMsgpack(raw) : value]);
}

/** `whisper / 0x2f [method, key, value | nil]`: a backup copy for the node behind (TS-only; `keyBin` as in {@link storeMessage}). */
export function backupMessage(method: HashMethod, k: bigint, entry: Entry | null | undefined, keyBin: Uint8Array = ringKeyBin(k)): ChordMessage {
  return whisper(BACKUP_SUBFLAG, backupFields(method, k, entry, keyBin));
}

/** The three fields of one backup copy, `[method, key, value | nil]`, as a backup message carries them (`keyBin` as in {@link storeMessage}). */
export function backupFields(method: HashMethod, k: bigint, entry: Entry | null | undefined, keyBin: Uint8Array = ringKeyBin(k)): [Uint8Array, Uint8Array, unknown] {
  return [METHOD_BIN[method], keyBin, wireValue(entry)];
}

/** `whisper / 0x2b [...fields]`: several backup copies, `fields` the concatenated {@link backupFields} (TS-only); one copy is a `0x2f`. */
export function backupBatchMessage(fields: readonly unknown[]): ChordMessage {
  return whisper(fields.length === 3 ? BACKUP_SUBFLAG : BACKUP_BATCH_SUBFLAG, fields);
}

/** Puts `message` on `connection` through the mesh host. */
export function sendMessage(host: Pick<MeshHost, 'sendTo'>, connection: MeshConnection, message: ChordMessage): void {
  host.sendTo(connection, message.flag, message.type, message.packets);
}

/** Broadcasts `message` (a `broadcast / ...` one) through the mesh host. */
export function broadcastMessage(host: Pick<MeshHost, 'broadcast'>, message: ChordMessage): void {
  host.broadcast(message.type, message.packets);
}
