/**
 * The one contract through which a layer above mesh (sync, chord) extends a `MeshSocket`.
 * A subclass calls `this.extend(extension)` once, in its constructor right after `super()`, and
 * keeps the returned {@link MeshHost}: handlers by sub-flag, hooks at the points of a peer's
 * life, and send calls that say what they sent. Nothing else of mesh is reachable.
 *
 * How a layer is written (sync does exactly this):
 * ```ts
 * class SyncSocket extends MeshSocket<SyncEvents> {
 *   static override readonly defaultProtocol = new Protocol('sync', 'Plaintext');
 *   readonly #host: MeshHost;
 *
 *   // Any protocol transform happens on the options, before super() (no override).
 *   protected constructor(options: SyncSocketOptions = {}) {
 *     super({ ...options, protocol: withLeasingDigit(options.protocol ?? SyncSocket.defaultProtocol, options.leasing) });
 *     this.#host = this.extend({ handlers: new Map([[SubFlags.store, onStore]]), peerHandshake: replay });
 *   }
 *
 *   // The one listen pattern: `open` starts the socket and returns it, typed as the subclass.
 *   static override listen(options: SyncSocketOptions = {}): Promise<SyncSocket> {
 *     return SyncSocket.open(new SyncSocket(options));
 *   }
 * }
 * ```
 * `extend` throws when called twice. Host sends work from `started` until `closed`, including
 * while `closing` is awaited (then `host.closed` is already true, public calls throw `CLOSED`,
 * and incoming messages are still dispatched); hook and handler exceptions are reported as
 * `HANDLER_ERROR`.
 */
import type { Clock, Identity, Logger, Message, MetricsRegistry, P2PError, Protocol, WireMessage } from '@p2p/base';
import type { MeshConnection } from './mesh-connection';
import type { ResolvedLimits } from './options';

/**
 * Handles one sub-flag. Runs after mesh's own handlers and before user handlers; returning
 * `false` passes the message on to them, anything else claims it. A thrown `BAD_MESSAGE` is
 * reported as it is (the link is dropped only when the peer has not handshaken yet); anything
 * else thrown is reported as `HANDLER_ERROR` (the link stays, F10).
 */
export type ExtensionHandler = (message: Message, connection: MeshConnection, wire: WireMessage) => boolean | void;

/** What a send through the {@link MeshHost} put on the wire. */
export interface SentMessage {
  /** The message id: SHA-256 of the packed packet (PROTOCOL.md 2.4). */
  readonly id: Uint8Array;
  /** The packet's timestamp, in whole seconds (PROTOCOL.md 1.6). */
  readonly time: number;
  /** Connections the frame was queued on. */
  readonly written: number;
  /**
   * True when some connection has more than `limits.writeHighWaterBytes` queued: wait for the
   * socket's `drain` event (or `await socket.drained()`) before sending much more.
   */
  readonly full?: boolean;
}

/** Hooks and handlers a layer plugs into mesh. Every member is optional. */
export interface MeshExtension {
  /** Handlers by sub-flag (`packets[0]`). */
  readonly handlers?: ReadonlyMap<number, ExtensionHandler>;
  /** The socket is listening: `id`, `outAddr` and `protocol` of the host are known from now on. */
  started?(): void;
  /** This node's handshake went out on a new connection (dialed or accepted). Chord sends its meta here. */
  handshakeSent?(connection: MeshConnection): void;
  /**
   * A valid handshake from the peer was filed and our peers reply sent; on every handshake,
   * also a repeated one on the same link. Sync replays its data here.
   */
  peerHandshake?(connection: MeshConnection): void;
  /** A connection closed (routed or not), after it left the peer table. */
  connectionClosed?(connection: MeshConnection, reason: P2PError | undefined): void;
  /**
   * Whether to dial a peer learned from a peers message (already filtered: not this node, not
   * connected, not being dialed). `byDefault` is mesh's answer: fewer than `maxOutgoing`
   * outgoing peers, counting dials in flight (PROTOCOL.md 4.4).
   */
  shouldAutoConnect?(peerId: string, addr: readonly [string, number], byDefault: boolean): boolean;
  /** `close()` started; resolves when the layer's own pending work is done (chord drains here). */
  closing?(): Promise<void> | void;
  /** The socket is closed or destroyed: release timers. No send works any more. */
  closed?(): void;
}

/** What mesh offers the layer that extended it. */
export interface MeshHost {
  readonly id: string;
  readonly protocol: Protocol;
  /**
   * This node's key pair in an authenticated subnet (the node id is `identity.id`), for a layer
   * that signs its own records (sync's owned writes, chord's records); undefined elsewhere.
   */
  readonly identity: Identity | undefined;
  /**
   * True in an authenticated subnet: every peer proved its key in the handshake and every
   * message a handler sees carried a valid signature of its sender (README, "Authenticated subnets").
   */
  readonly authenticated: boolean;
  readonly outAddr: readonly [string, number];
  readonly clock: Clock;
  readonly logger: Logger;
  /** The socket's metrics: a layer adds its own series here (create them once, record on them). */
  readonly metrics: MetricsRegistry;
  readonly limits: ResolvedLimits;
  /** Outgoing-peer target for automatic dials (PROTOCOL.md 4.4). */
  readonly maxOutgoing: number;
  /** The compression methods this node advertises. */
  readonly compression: readonly number[];
  /** Peers that completed their handshake, by id. */
  readonly peers: ReadonlyMap<string, MeshConnection>;
  /** How many of `peers` this node dialed (kept as they come and go: cheap to read per entry of a peers list). */
  readonly outgoingCount: number;
  /** Every connection, routed or still waiting for its handshake. */
  connections(): readonly MeshConnection[];
  /** True once `close()` or `destroy()` was called. */
  readonly closed: boolean;
  /** Whole seconds since the epoch from the socket's clock (PROTOCOL.md 1.6). */
  nowSeconds(): number;
  /**
   * Sends `flag / type [...packets]` on one connection with a fresh timestamp (a broadcast's id
   * is remembered so its echo is ignored). @throws EncodeError (`ENCODE_ERROR`)
   */
  sendTo(connection: MeshConnection, flag: number, type: number, packets: readonly unknown[]): SentMessage;
  /** Broadcasts `broadcast / type [...packets]` to every routed peer, packed once (F21). @throws EncodeError */
  broadcast(type: number, packets: readonly unknown[]): SentMessage;
  /** Sends this node's handshake again on `connection` (does not call `handshakeSent`). */
  resendHandshake(connection: MeshConnection): void;
  /** Sends `whisper / peers [...]` on `connection`. */
  sendPeers(connection: MeshConnection): void;
  /**
   * A message the layer cannot parse, with mesh's one blame rule for state-carrying messages:
   * the link is dropped when the peer has not handshaken or wrote the message itself (a
   * whisper, or a broadcast it originated); one it only relayed is reported and the link stays.
   * (A handler may instead throw `BAD_MESSAGE`: the link then drops only before the handshake.)
   */
  malformed(connection: MeshConnection, wire: WireMessage, error: P2PError): void;
  /** Queues a message for `recv()` / `messages()` and emits `message`. */
  deliver(message: Message): void;
  /** Records `error` in `status` and emits it as an `error` event. */
  reportError(error: P2PError): void;
}
