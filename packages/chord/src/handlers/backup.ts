/** `whisper / 0x2f [method, key, value | nil]`: a backup copy from the node ahead (TS-only, see BACKUP_SUBFLAG). */
import { encodeMsgpack } from '@p2p/base';
import { rawPayloadField } from '../payloads';
import { parseSlot, type ChordHandler } from './parse';

export const handleBackup: ChordHandler = (ctx, message, conn, wire) => {
  const slot = parseSlot(ctx, message, conn, 4);
  if (!slot) return true;
  const value = message.packets[3];
  const entry = value === null ? null : { value, raw: rawPayloadField(wire, 3) ?? encodeMsgpack(value).slice() };
  // Authenticated subnets: backups are checked like stores (records-guard.ts).
  const { records } = ctx.writes;
  if (!records.received(entry, slot.method, slot.k, conn, 'backup')) return true;
  if (!records.admit(ctx.store.backups, slot.method, slot.k, entry, 'backup', conn.peerId)) return true;
  if (entry === null) ctx.store.backups.delete(slot.method, slot.k);
  else ctx.store.backups.set(slot.method, slot.k, entry);
  return true;
};
