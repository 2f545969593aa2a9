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
