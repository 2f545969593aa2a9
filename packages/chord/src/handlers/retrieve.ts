/** `whisper / retrieve [method, key]`: answer from here, or forward and answer nil now (PROTOCOL.md 6.4). */
import { sendMessage, retrievedMessage } from '../messages';
import { parseSlot, type ChordHandler } from './parse';

export const handleRetrieve: ChordHandler = (ctx, message, conn) => {
  const packets = message.packets;
  const slot = parseSlot(ctx, message, conn, 3);
  if (!slot) return true;
  const requester = { connection: conn, method: packets[1], key: packets[2] };
  const result = ctx.lookups.lookup(slot.method, slot.k, ctx.settings.forwardTimeout, undefined, requester);
  // As py2p: answer nil at once when forwarding; the real value follows when it arrives.
  const entry = result.kind === 'local' ? result.entry : null;
  sendMessage(ctx.host, conn, retrievedMessage(packets[1], packets[2], entry));
  return true;
};
