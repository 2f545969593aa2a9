/** `whisper / delta [method, key, map]`: merge into one slot (PROTOCOL.md 6.4). */
import { isMapping } from '@p2p/base';
import { parseSlot, reject, type ChordHandler } from './parse';

export const handleDelta: ChordHandler = (ctx, message, conn) => {
  const slot = parseSlot(ctx, message, conn, 4);
  if (!slot) return true;
  const delta = message.packets[3];
  if (!isMapping(delta)) {
    reject(ctx, message, conn, 'chord delta carries no map');
    return true;
  }
  ctx.writes.delta(slot.method, slot.k, delta, conn);
  return true;
};
