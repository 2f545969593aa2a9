import type { Endpoint, Message, P2PError, WireMessage } from '@p2p/base';
import type { MeshConnection } from './mesh-connection';

/** A peer as events and `connect()` report it. */
export interface PeerInfo {
  /** The peer's node id (base58 text). */
  readonly id: string;
  /** The address the peer advertises to others. */
  readonly addr: readonly [string, number];
  /** True when this node dialed the connection. */
  readonly outgoing: boolean;
  /** The transport's view of the other end. */
  readonly remote: Endpoint;
  readonly connection: MeshConnection;
}

/** Events of a {@link MeshSocket}. Subclasses extend this map with their own. */
export type MeshEvents = {
  /** The routing table went from empty to one peer (py2p's `connect` event, as documented). */
  connect: [];
  /** A broadcast or whisper reached this node and was queued for `recv()` / `messages()`. */
  message: [message: Message];
  /** A peer completed its handshake and was filed in the routing table. */
  'peer:connect': [peer: PeerInfo];
  /** A filed peer's connection closed; `reason` is undefined for a clean close. */
  'peer:disconnect': [peer: PeerInfo, reason: P2PError | undefined];
  /** Something went wrong that no pending call is waiting for (bad frame, handler error, ...). */
  error: [error: P2PError];
  /** After a `send()` reported `full`, no connection is over `limits.writeHighWaterBytes` any more (each emptied its queue or was dropped): send more. */
  drain: [];
  /** `close()` finished: every socket and timer is released. */
  close: [];
};

/**
 * A message handler: return true to claim the message (later handlers and the receive queue
 * do not see it). Handlers see every non-renegotiate, non-duplicate message, including sync and
 * chord internals.
 */
export type MessageHandler = (message: Message, connection: MeshConnection) => boolean | void;

/** A handler registered by the socket itself or a subclass; it also gets the decoded frame. */
export type BuiltinHandler = (message: Message, connection: MeshConnection, wire: WireMessage) => boolean | void;
