/**
 * Connection conflict resolution (PROTOCOL.md 4.5, F7): a handshake for peer P arrives on
 * connection `incoming` while P is already filed under connection `existing`.
 */
import { isValidNodeId, nodeIdToBigInt } from '@p2p/base';

export interface ConflictSide {
  /** Did this node dial it? */
  outgoing: boolean;
  /** Remote host as the transport saw it. */
  remoteHost: string;
}

export type ConflictVerdict = 'keep-incoming' | 'keep-existing';

/**
 * handshake.ts asks only for a simultaneous connect (opposite directions, same host and address,
 * opened together); every other claim on a filed id goes through its liveness check instead (F1).
 * - Opposite directions (both nodes dialed each other): py2p's intended rule, so a py2p peer
 *   agrees with us: the connection opened by the node with the larger integer id survives.
 * - Same direction from the same host: the peer has reconnected while we still hold a stale
 *   socket; the newer connection wins.
 * - Same direction from another host: someone else claims a filed id (F1); the existing
 *   connection wins.
 */
export function resolveConflict(
  myId: string,
  peerId: string,
  existing: ConflictSide,
  incoming: ConflictSide,
): ConflictVerdict {
  if (existing.outgoing !== incoming.outgoing) {
    const mine = idGreater(myId, peerId);
    return mine === incoming.outgoing ? 'keep-incoming' : 'keep-existing';
  }
  return existing.remoteHost === incoming.remoteHost ? 'keep-incoming' : 'keep-existing';
}

/** `int(a) > int(b)` for base58 ids; ids that are not base58 (py2p would fail) compare as text. */
function idGreater(a: string, b: string): boolean {
  if (isValidNodeId(a) && isValidNodeId(b)) return nodeIdToBigInt(a) > nodeIdToBigInt(b);
  return a > b;
}
