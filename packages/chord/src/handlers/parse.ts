/** Reading and rejecting the fields chord handlers share. */
import { BadMessageError, MainFlags, fieldText, type Message, type WireMessage } from '@p2p/base';
import type { MeshConnection } from '@p2p/mesh';
import type { ChordContext } from '../context';
import { isHashMethod, type HashMethod } from '../hashing';

/** A chord handler for one sub-flag: returns false to pass the message on, anything else claims it. */
export type ChordHandler = (ctx: ChordContext, message: Message, conn: MeshConnection, wire: WireMessage) => boolean | void;

/** Method and ring key of a store/delta/retrieve/backup of `length` fields, or undefined (already reported). */
export function parseSlot(ctx: ChordContext, message: Message, conn: MeshConnection, length: number): { method: HashMethod; k: bigint } | undefined {
  const packets = message.packets;
  const methodText = packets.length === length ? fieldText(packets[1]) : undefined;
  const keyText = packets.length === length ? fieldText(packets[2]) : undefined;
  if (methodText === undefined || keyText === undefined) {
    reject(ctx, message, conn, `malformed chord message (sub-flag ${String(packets[0])})`);
    return undefined;
  }
  if (!isHashMethod(methodText)) {
    // F10: unknown method: ignore and report, keep the connection.
    ctx.host.reportError(new BadMessageError(`unknown chord hash method ${JSON.stringify(methodText.slice(0, 16))}`, { details: { peer: conn.peerId } }));
    return undefined;
  }
  const k = ctx.keys.parse(keyText);
  if (k === undefined) {
    ctx.host.reportError(new BadMessageError('chord key is not base58', { details: { peer: conn.peerId } }));
    return undefined;
  }
  return { method: methodText, k };
}

/**
 * A structurally malformed message: a whisper comes from the neighbour itself, so that link is
 * dropped; a broadcast may only have been relayed, so it is just reported.
 */
export function reject(ctx: ChordContext, message: Message, conn: MeshConnection, text: string): void {
  ctx.host.reportError(new BadMessageError(text, { details: { peer: conn.peerId, sender: message.sender } }));
  if (message.type === MainFlags.whisper) ctx.disconnect(conn);
}
