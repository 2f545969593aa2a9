/** `whisper / handshake ["0" | "1"]`: a peer's storing status changed (PROTOCOL.md 6.3). */
import { BadMessageError, fieldText } from '@p2p/base';
import { sendMeta } from '../membership';
import type { ChordHandler } from './parse';

export const handleMeta: ChordHandler = (ctx, message, conn) => {
  const packets = message.packets;
  // Longer handshakes are mesh's; pass them on.
  if (packets.length !== 2) return false;
  const text = fieldText(packets[1]);
  if (text === undefined || !/^\s*[+-]?\d+\s*$/.test(text)) {
    ctx.host.reportError(new BadMessageError('chord meta is not "0" or "1"', { details: { peer: conn.peerId } }));
    return true;
  }
  const storing = Number.parseInt(text, 10) === 0;
  if (storing === ctx.ring.isStoringPeer(conn)) return true;
  // Answer a change with our meta, then hand off if both store.
  sendMeta(ctx, conn);
  ctx.ring.setStoringPeer(conn, storing);
  ctx.fingers.noteStoring(conn, storing);
  if (ctx.ring.storing && storing && conn.peerId !== undefined) {
    ctx.host.sendPeers(conn);
    ctx.replication.handoff(conn);
  }
  ctx.replication.scheduleRepair();
  // PROTOCOL.md 6.8: trim like py2p when over the outgoing target.
  if (ctx.settings.trimConnections && ctx.outgoingCount() > ctx.host.maxOutgoing) ctx.self.disconnectLeastEfficient();
  return true;
};
