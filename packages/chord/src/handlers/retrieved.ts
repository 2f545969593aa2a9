/** `whisper / retrieved [method, key, value | nil]`: an answer to a retrieve (PROTOCOL.md 6.4). */
import { fieldText } from '@p2p/base';
import { isHashMethod } from '../hashing';
import { parseRingKey, rawPayloadField } from '../payloads';
import { reject, type ChordHandler } from './parse';

export const handleRetrieved: ChordHandler = (ctx, message, conn, wire) => {
  const packets = message.packets;
  const method = packets.length === 4 ? fieldText(packets[1]) : undefined;
  const key = packets.length === 4 ? fieldText(packets[2]) : undefined;
  if (method === undefined || key === undefined) {
    reject(ctx, message, conn, 'malformed retrieved');
    return true;
  }
  const value = packets[3] ?? null;
  // The value's bytes as received, read from the message again only when needed (a record's
  // check, an answer passed on): a plain read compares decoded values.
  let raw: Uint8Array | undefined | null = null;
  const rawOf = (): Uint8Array | undefined => (raw === null ? (raw = value === null ? undefined : rawPayloadField(wire, 3)) : raw);
  // Authenticated subnets: a forged record answer is dropped here, never passed on or heard.
  const { records } = ctx.writes;
  if (records.enabled && !records.answered(rawOf(), isHashMethod(method) ? method : undefined, parseRingKey(key), conn)) return true;
  ctx.lookups.answer(method, key, value, rawOf, conn);
  return true;
};
