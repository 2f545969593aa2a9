/**
 * Errors specific to @p2p/mesh. Everything else a mesh socket raises or emits comes from
 * `@p2p/base` (CONNECT_FAILED, PROTOCOL_MISMATCH, TIMEOUT, ...); see the README's table.
 */
import { P2PError, type P2PErrorOptions } from '@p2p/base';

/** Thrown by `registerHandler` when the handler does not take exactly `(message, connection)`. */
export class InvalidHandlerError extends P2PError {
  constructor(message: string, options?: P2PErrorOptions) {
    super('INVALID_HANDLER', message, options);
  }
}

/** Thrown (as a rejection of `Message.reply`) when no route to a non-neighbour is found in time. */
export class ReplyRouteTimeoutError extends P2PError {
  constructor(message: string, options?: P2PErrorOptions) {
    super('REPLY_ROUTE_TIMEOUT', message, options);
  }
}

/** Thrown when `connect()` reaches this very node (its own address, or a peer with its own id). */
export class SelfConnectError extends P2PError {
  constructor(message: string, options?: P2PErrorOptions) {
    super('SELF_CONNECT', message, options);
  }
}

/** Emitted when a peer that answers pings stopped answering within `liveness.timeout`; the link is dropped. */
export class PeerUnresponsiveError extends P2PError {
  constructor(message: string, options?: P2PErrorOptions) {
    super('PEER_UNRESPONSIVE', message, options);
  }
}

/** Thrown by `bootstrap()` when no seed could be reached or none answered with the registry. */
export class BootstrapFailedError extends P2PError {
  constructor(message: string, options?: P2PErrorOptions) {
    super('BOOTSTRAP_FAILED', message, options);
  }
}

/** Emitted when a handshake claims the id of a live filed peer (PROTOCOL.md F1); the claiming link is dropped, the peer keeps its link. */
export class IdInUseError extends P2PError {
  constructor(message: string, options?: P2PErrorOptions) {
    super('ID_IN_USE', message, options);
  }
}

/** Emitted when a link that handshook as one id handshakes again as another; the link is dropped. */
export class IdChangedError extends P2PError {
  constructor(message: string, options?: P2PErrorOptions) {
    super('ID_CHANGED', message, options);
  }
}

/**
 * Emitted (and a pending `connect()` rejects with it) when a peer in an authenticated subnet fails
 * its handshake proof: a bad or replayed proof, a proof or hello out of order, or a TLS
 * certificate key that is not its handshake key. The link is dropped. (An id that is not its
 * key's is `IDENTITY_INVALID`; a message with a bad signature is `SIGNATURE_INVALID`.)
 */
export class AuthFailedError extends P2PError {
  constructor(message: string, options?: P2PErrorOptions) {
    super('AUTH_FAILED', message, options);
  }
}
