/**
 * Which received messages carry data for the program or a layer, and which are a link's own
 * upkeep (handshakes, peers lists, path requests, liveness, the authentication handshake). A
 * closing link still reads the data (link.ts); only data counts as activity against idle
 * eviction (admission.ts, through connections.ts). Pure.
 */
import { MainFlags, SubFlags, type WireMessage } from '@p2p/base';
import { AUTH_SUBFLAG } from './auth-handshake';

/** Sub-flags of the messages about a link itself. */
const LINK_UPKEEP: ReadonlySet<unknown> = new Set<number>([
  SubFlags.handshake,
  SubFlags.peers,
  SubFlags.request,
  SubFlags.response,
  SubFlags.ping,
  SubFlags.pong,
  AUTH_SUBFLAG,
]);

/** Whether `wire` carries data for the program or a layer, not the link's own upkeep. */
export function carriesData(wire: WireMessage): boolean {
  return (wire.type === MainFlags.broadcast || wire.type === MainFlags.whisper) && !LINK_UPKEEP.has(wire.payload[0]);
}
