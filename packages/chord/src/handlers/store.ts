/** `whisper / store [method, key, value | nil]`: write one slot (PROTOCOL.md 6.4). */
import { encodeMsgpack } from '@p2p/base';
import { rawPayloadField } from '../payloads';
import { parseSlot, type ChordHandler } from './parse';

export const handleStore: ChordHandler = (ctx, message, conn, wire) => {
  const slot = parseSlot(ctx, message, conn, 4);
  if (!slot) return true;
  const value = message.packets[3];
  // F10: deleting an entry we do not hold is a no-op (py2p drops the link).
  const entry = value === null ? null : { value, raw: rawPayloadField(wire, 3) ?? encodeMsgpack(value).slice() };
  // Authenticated subnets: a forged record is refused before it is stored or forwarded.
  if (!ctx.writes.records.received(entry, slot.method, slot.k, conn, 'store')) return true;
  ctx.writes.store(slot.method, slot.k, entry, conn, canonicalKeyBin(message.packets[2]));
  return true;
};

/** The received ring key as bin when it is exactly what this node would send (no leading zero digit), so forwards and backups reuse it. */
function canonicalKeyBin(field: unknown): Uint8Array | undefined {
  if (!(field instanceof Uint8Array)) return undefined;
  return field.length === 1 || field[0] !== ONE ? field : undefined;
}

/** "1", base58's zero digit. */
const ONE = 0x31;
