/**
 * `whisper / 0x2f [method, key, value | nil]`: a backup copy from the node ahead, and
 * `whisper / 0x2b [method, key, value | nil, ...]`: several (TS-only, see BACKUP_SUBFLAG).
 */
import { BadMessageError, decodeArrayWithRaw, encodeMsgpack, fieldText, type WireMessage } from '@p2p/base';
import type { MeshConnection } from '@p2p/mesh';
import type { ChordContext } from '../context';
import { isHashMethod, type HashMethod } from '../hashing';
import { rawPayloadField } from '../payloads';
import type { Entry } from '../tables';
import { parseSlot, reject, type ChordHandler } from './parse';

export const handleBackup: ChordHandler = (ctx, message, conn, wire) => {
  const slot = parseSlot(ctx, message, conn, 4);
  if (!slot) return true;
  const value = message.packets[3];
  const entry = value === null ? null : { value, raw: rawPayloadField(wire, 3) ?? encodeMsgpack(value).slice() };
  keepBackup(ctx, conn, slot.method, slot.k, entry);
  return true;
};

export const handleBackupBatch: ChordHandler = (ctx, message, conn, wire) => {
  const packets = message.packets;
  if (packets.length < 4 || (packets.length - 1) % 3 !== 0) {
    reject(ctx, message, conn, 'malformed chord backup batch');
    return true;
  }
  for (let i = 1; i < packets.length; i += 3) {
    if (fieldText(packets[i]) === undefined || fieldText(packets[i + 1]) === undefined) {
      reject(ctx, message, conn, 'malformed chord backup batch');
      return true;
    }
  }
  const raws = rawFields(wire);
  for (let i = 1; i < packets.length; i += 3) {
    const method = fieldText(packets[i])!;
    const k = ctx.keys.parse(fieldText(packets[i + 1])!);
    if (!isHashMethod(method) || k === undefined) {
      // As for a single copy (F10): an unknown method or a key that is not base58 is reported; the rest is kept.
      ctx.host.reportError(new BadMessageError('chord backup with an unknown method or a key that is not base58', { details: { peer: conn.peerId } }));
      continue;
    }
    const value = packets[i + 2];
    const raw = raws?.[3 + i + 2]?.slice();
    keepBackup(ctx, conn, method, k, value === null ? null : { value, raw: raw ?? encodeMsgpack(value).slice() });
  }
  return true;
};

/** Each element's msgpack bytes of the frame's packet array (payload element `j` is at `3 + j`). */
function rawFields(wire: WireMessage): Uint8Array[] | undefined {
  try {
    return decodeArrayWithRaw(wire.packed).raw;
  } catch {
    return undefined;
  }
}

/** Files one received copy (null removes it), after the checks of an authenticated subnet (records-guard.ts). */
function keepBackup(ctx: ChordContext, conn: MeshConnection, method: HashMethod, k: bigint, entry: Entry | null): void {
  const { records } = ctx.writes;
  if (!records.received(entry, method, k, conn, 'backup')) return;
  if (!records.admit(ctx.store.backups, method, k, entry, 'backup', conn.peerId)) return;
  if (entry === null) ctx.store.backups.delete(method, k);
  else ctx.store.backups.set(method, k, entry);
}
