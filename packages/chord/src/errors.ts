/**
 * Errors specific to @p2p/chord. Network, frame and handler errors come from `@p2p/base` and
 * `@p2p/mesh`; the README lists every code a chord socket raises or emits.
 */
import { P2PError, type P2PErrorOptions } from '@p2p/base';

/** Thrown by `get` (no fallback) when answers arrived but no value reached 3 of 5. */
export class NoConsensusError extends P2PError {
  constructor(message: string, options?: P2PErrorOptions) {
    super('NO_CONSENSUS', message, options);
  }
}

/** Thrown by `delete`/`pop` for a key this node never heard of, and by `get` when all five tables are local and empty. */
export class KeyNotFoundError extends P2PError {
  constructor(message: string, options?: P2PErrorOptions) {
    super('KEY_NOT_FOUND', message, options);
  }
}

/** Thrown by `applyDelta` when the delta or the stored value is not a map. */
export class NotAMappingError extends P2PError {
  constructor(message: string, options?: P2PErrorOptions) {
    super('NOT_A_MAPPING', message, options);
  }
}
