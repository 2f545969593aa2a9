/** What every part of a mesh socket shares: identity, clock, limits, and where errors go. */
import type { Clock, Logger, P2PError, Protocol } from '@p2p/base';
import type { MeshEvents } from './events';
import type { ResolvedLimits } from './options';

export interface MeshContext {
  /** This node's id; known from `start()` on. */
  readonly id: string;
  readonly protocol: Protocol;
  readonly outAddr: readonly [string, number];
  readonly clock: Clock;
  readonly logger: Logger;
  readonly limits: ResolvedLimits;
  /** Compression methods this node advertises, best first. */
  readonly compression: readonly number[];
  readonly maxOutgoing: number;
  /** `close()` or `destroy()` was called: public calls throw CLOSED, no new connections or dials. */
  readonly closed: boolean;
  /** Whole seconds since the epoch (PROTOCOL.md 1.6). */
  nowSeconds(): number;
  /** Records an error in `status` and emits it. */
  report(error: P2PError): void;
  emit<K extends keyof MeshEvents>(event: K, ...args: MeshEvents[K]): void;
}

/** The socket's own, writable view of its context (it sets identity in `start()`, `closed` on close). */
export type Mutable<T> = { -readonly [K in keyof T]: T[K] };
