/** Telling peers whether this node stores (PROTOCOL.md 6.3, 6.7). */
import type { MeshConnection } from '@p2p/mesh';
import type { ChordContext } from './context';
import { keyNoticeMessage, metaMessage, sendMessage } from './messages';

/** `send_meta`: meta "0"/"1", then one `whisper / notify [key]` per known key (PROTOCOL.md 6.3). */
export function sendMeta(ctx: ChordContext, conn: MeshConnection): void {
  if (conn.closed) return;
  sendMessage(ctx.host, conn, metaMessage(ctx.ring.storing));
  for (const key of ctx.store.keys()) sendMessage(ctx.host, conn, keyNoticeMessage(key));
}

/** join/unjoin (PROTOCOL.md 6.7): handshake, peers, meta on every connection, in py2p's order. */
export function announce(ctx: ChordContext): void {
  for (const conn of ctx.host.connections()) {
    if (conn.closed) continue;
    ctx.host.resendHandshake(conn);
    ctx.host.sendPeers(conn);
    sendMeta(ctx, conn);
  }
}
