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

/** Thrown by `getOrThrow`, `delete`, `pop` (without fallback) when this node holds no value for the key. */
export class KeyNotFoundError extends P2PError {
  constructor(message: string, options?: P2PErrorOptions) {
    super('KEY_NOT_FOUND', message, options);
  }
}

/**
 * Thrown by `applyDelta` when the delta, or the value already stored, is not a map; emitted
 * (and the delta ignored) when a received delta targets a stored value that is not a map.
 */
export class NotAMappingError extends P2PError {
  constructor(message: string, options?: P2PErrorOptions) {
    super('NOT_A_MAPPING', message, options);
  }
}
