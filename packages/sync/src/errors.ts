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
