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

/**
 * Emitted (the write refused, the held record kept) when a signed record's sequence number is
 * not above the one a storer holds (an old-sequence replay, or another value under the same
 * seq); thrown by `records.put` for an explicit `seq` not above the last one known here.
 */
export class StaleRecordError extends P2PError {
  constructor(message: string, options?: P2PErrorOptions) {
    super('RECORD_STALE', message, options);
  }
}
