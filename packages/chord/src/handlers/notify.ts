/** `notify [key]` announces a key, `notify [key, "del"]` removes it (PROTOCOL.md 6.3). */
import { fieldBytes } from '@p2p/base';
import { reject, type ChordHandler } from './parse';

export const handleNotify: ChordHandler = (ctx, message, conn) => {
  const packets = message.packets;
  const key = packets.length === 2 || packets.length === 3 ? fieldBytes(packets[1]) : undefined;
  if (!key) {
    reject(ctx, message, conn, 'malformed notify');
    return true;
  }
  if (packets.length === 2) {
    ctx.store.addKey(key, false);
    ctx.emitKey('add', key);
  } else {
    // The registry emits `delete` itself when it knew the key: one event per deleted key.
    ctx.store.removeKey(key);
  }
  return true;
};
