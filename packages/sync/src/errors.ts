/**
 * Errors specific to @p2p/sync. Everything else a sync socket raises or emits comes from
 * `@p2p/base` or `@p2p/mesh` (ENCODE_ERROR, BAD_MESSAGE, CLOSED, ...); see the README's table.
 */
import { P2PError, type P2PErrorOptions } from '@p2p/base';

/** Thrown when another node holds a live lease on the key (PROTOCOL.md 5.2); nothing was stored or sent. */
export class LeaseHeldError extends P2PError {
  constructor(message: string, options?: P2PErrorOptions) {
    super('LEASE_HELD', message, options);
  }
}

/**
 * Emitted when a store, delta or delete from a peer is dated more than a minute ahead of this
 * node's clock (`MAX_FUTURE_SECONDS`); it is refused, not clamped, and the connection stays.
 */
export class FutureTimestampError extends P2PError {
  constructor(message: string, options?: P2PErrorOptions) {
    super('FUTURE_TIMESTAMP', message, options);
  }
}
