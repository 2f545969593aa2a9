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
  ctx.writes.store(slot.method, slot.k, entry, conn);
  return true;
};
