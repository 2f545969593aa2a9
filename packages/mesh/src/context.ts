/** What every part of a mesh socket shares: identity, clock, limits, and where errors go. */
import { DEFAULT_COMPRESSIONS, isSupportedCompression, scopedLogger, systemClock, type Clock, type Identity, type Logger, type P2PError, type Protocol } from '@p2p/base';
import { resolveIdentity } from './auth-identity';
import { MessageSigner } from './message-signing';
import type { MeshEvents } from './events';
import type { Listeners } from './listeners';
import { MeshMetrics } from './metrics';
import { WriteBudget } from './write-budget';
import { DEFAULT_MAX_OUTGOING, resolveLimits, type MeshSocketOptions, type ResolvedLimits } from './options';

export interface MeshContext {
  /** This node's id; known from `start()` on. */
  readonly id: string;
  readonly protocol: Protocol;
  /** This node's key pair in an authenticated subnet (auth-identity.ts); undefined elsewhere. */
  readonly identity: Identity | undefined;
  /** Signs what this node packs, with `identity` (message-signing.ts); undefined outside authenticated subnets. */
  readonly signer: MessageSigner | undefined;
  readonly outAddr: readonly [string, number];
  readonly clock: Clock;
  readonly logger: Logger;
  /** What this socket records (metrics.ts); layers add series to its registry. */
  readonly metrics: MeshMetrics;
  /** Per-transport protocol ids and out addresses, and the peers-list rule (listeners.ts); from `start()` on. */
  readonly faces?: Listeners;
  readonly limits: ResolvedLimits;
  /** Bytes queued for all peers, the pacing of `send()` and the node budget (write-budget.ts). */
  readonly writes: WriteBudget;
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

/** What {@link createContext} derives from the options; the socket supplies the rest. */
type Derived = 'id' | 'protocol' | 'identity' | 'signer' | 'outAddr' | 'clock' | 'logger' | 'metrics' | 'limits' | 'writes' | 'compression' | 'maxOutgoing' | 'closed' | 'nowSeconds';

/** A socket's context before `start()` fills in its identity. */
export function createContext(options: MeshSocketOptions, protocol: Protocol, rest: Omit<MeshContext, Derived>): Mutable<MeshContext> {
  const clock = options.clock ?? systemClock;
  const joined = options.protocol ?? protocol;
  const identity = resolveIdentity(options.identity, joined);
  const limits = resolveLimits(options.limits);
  const writes = new WriteBudget(limits);
  const metrics = new MeshMetrics(clock);
  metrics.watchWrites(writes);
  return {
    id: '',
    protocol,
    identity,
    signer: identity && new MessageSigner(identity, joined.subnet),
    outAddr: ['', 0],
    clock,
    // The socket's kind (`mesh`, `sync`, `chord`) names its DEBUG namespace: p2p:mesh, ...
    logger: scopedLogger(options.logger, protocol.subnet),
    metrics,
    limits,
    writes,
    compression: Object.freeze((options.compression ?? DEFAULT_COMPRESSIONS).filter(isSupportedCompression)),
    maxOutgoing: options.maxOutgoing ?? DEFAULT_MAX_OUTGOING,
    closed: false,
    // PROTOCOL.md 1.6: whole seconds since the epoch, from the injected clock.
    nowSeconds: () => Math.floor(clock.now() / 1000),
    ...rest,
  };
}
