import type { Clock, Identity, Logger, Protocol, Transport } from '@p2p/base';
import type { LivenessOptions } from './liveness';
import type { ReconnectOptions } from './reconnect';

/**
 * Bounds on every structure a peer can make grow (PROTOCOL.md section 9, F2/F3/F5/F12). All are
 * optional; the defaults suit a desktop node.
 */
export interface MeshLimits {
  /**
   * Largest frame body accepted (checked on the length header, before allocating) and the cap on
   * a decompressed body. Bigger frames drop the connection with `FRAME_TOO_LARGE`; a send that
   * would exceed it throws `FRAME_TOO_LARGE` before anything is written.
   * @default 16 MiB
   */
  maxFrameBytes?: number;
  /** Received messages kept for `recv()`; beyond it the oldest is dropped (counted unless a listener had it). @default 10000 */
  maxQueue?: number;
  /** Entries of the broadcast de-duplication set ("waterfalls"); past it the oldest eighth is evicted at once. @default 100000 */
  maxSeen?: number;
  /**
   * Incoming connections that have not completed their handshake yet. When full, the oldest of
   * them (from the address holding the most) is dropped for the newcomer (admission.ts).
   * @default 64
   */
  maxPendingConnections?: number;
  /**
   * Outgoing handshakes at once: dials in flight plus dialed connections not handshaken yet; a
   * separate budget from the incoming one, so a flood of incoming sockets never stops dialing
   * out. More `connect()` calls reject `LIMIT_EXCEEDED`.
   * @default 64
   */
  maxPendingOutgoing?: number;
  /** Incoming connections not handshaken yet from one remote IP; when full, its oldest is dropped for the newcomer. @default 32 */
  maxPendingPerAddress?: number;
  /**
   * Incoming connections, handshaken or not, from one remote IP. When full, its oldest
   * unhandshaken one, else its longest-idle one (see `evictIdleAfter`), is dropped for the
   * newcomer; without either the newcomer is refused.
   * @default 128
   */
  maxConnectionsPerAddress?: number;
  /**
   * Established plus pending connections, incoming and outgoing together, dials in flight
   * included (checked before a dial opens its socket). When full, an unhandshaken incoming
   * connection, else the longest-idle incoming peer, is dropped for the newcomer; outgoing
   * connections are never dropped for room.
   * @default 256
   */
  maxConnections?: number;
  /**
   * Milliseconds without user traffic (broadcasts and whispers, anything but handshakes, peers
   * lists and pings) after which an incoming peer may be dropped to make room for a new
   * connection when a cap is full.
   * @default 60000
   */
  evictIdleAfter?: number;
  /** Entries of one received peers message that are acted on (auto-connect). @default 32 */
  maxPeersPerList?: number;
  /** `reply()` calls waiting for a route to a non-neighbour. @default 256 */
  maxPendingRequests?: number;
  /** Milliseconds a connection may take to deliver a valid handshake. @default 10000 */
  handshakeTimeout?: number;
  /** Milliseconds a partly received frame may go without new bytes (py2p's rule). @default 60000 */
  stalledFrameTimeout?: number;
  /**
   * Bytes queued for one connection above which relayed broadcasts (what other peers make this
   * node hold for it) are not queued for it, counted in `stats.droppedWrites`. The local
   * program's own sends are bounded by `maxNodeWriteBytes` instead.
   * @default 32 MiB
   */
  maxWriteBufferBytes?: number;
  /**
   * The slow-peer rule: a connection whose queue stays over `writeHighWaterBytes` for this many
   * milliseconds of time this node's event loop was free, while the peer takes less than
   * `writeHighWaterBytes`, is dropped with `LIMIT_EXCEEDED`. Time the event loop spent blocked
   * does not count; a peer that reads on is never dropped for a burst.
   * @default 30000
   */
  slowPeerTimeout?: number;
  /**
   * Bytes queued for one connection above which `send()` reports `full: true` and the slow-peer
   * rule watches it; the socket emits `drain` (and `drained()` resolves) once no connection is over it.
   * @default 1 MiB
   */
  writeHighWaterBytes?: number;
  /**
   * Bytes queued for all connections of this node together (every copy counted). A local send
   * that would exceed it throws `LIMIT_EXCEEDED` and sends nothing.
   * @default 1 GiB
   */
  maxNodeWriteBytes?: number;
  /**
   * Bytes of received messages waiting in the receive queue (beside `maxQueue` messages); the
   * oldest go first, counted in `stats.droppedMessages`.
   * @default 64 MiB
   */
  maxQueueBytes?: number;
  /** Milliseconds `Message.reply()` waits for a route to a non-neighbour. @default 30000 */
  replyRouteTimeout?: number;
}

/** One listener of a node (an entry of {@link MeshSocketOptions.listen}). */
export interface MeshListenOptions {
  /**
   * Transport to listen on, by encryption name ('Plaintext', 'SSL', 'ws', 'wss'); it must be
   * registered (import `@p2p/ssl`, `@p2p/ws`). Peers connecting this way are presented the
   * protocol id of this encryption (PROTOCOL.md 2.2).
   * @default the socket's `protocol.encryption`
   */
  encryption?: string;
  /** Address to bind. @default '127.0.0.1' */
  host?: string;
  /** Port to bind; 0 picks a free one. @default 0 */
  port?: number;
  /** Address advertised to peers that connect this way. @default as `outAddr` of the socket */
  outAddr?: readonly [string, number];
  /** Options of this transport's factory. @default the socket's `transportOptions` for its own encryption */
  transportOptions?: Readonly<Record<string, unknown>>;
}

/** Options of {@link MeshSocket.listen}. */
export interface MeshSocketOptions {
  /**
   * Listeners to open instead of the one of `host`/`port`, possibly on several transports: a
   * node with `listen: [{ port: 4444 }, { encryption: 'ws', port: 8080 }]` joins TCP and
   * WebSocket peers into one network. Each peer sees the protocol id and address of its own
   * transport and is offered only peers it can dial. `listen: []` makes a dial-only node (a
   * browser), advertising port 0. Dials always use `protocol.encryption`.
   * @default [{ host, port, outAddr }] on `protocol.encryption`
   */
  listen?: readonly MeshListenOptions[];
  /**
   * Address to bind. The default accepts only local connections; use `'0.0.0.0'` to be
   * reachable from other machines (the node then advertises its LAN address, as py2p does).
   * @default '127.0.0.1'
   */
  host?: string;
  /** Port to bind; 0 picks a free one. @default 0 */
  port?: number;
  /** Network to join. @default new Protocol('mesh', 'Plaintext') (`MeshSocket.defaultProtocol`) */
  protocol?: Protocol;
  /**
   * Address advertised to peers (in handshakes and peers lists). Defaults to the LAN address
   * when binding `0.0.0.0`, else the bound host and port.
   */
  outAddr?: readonly [string, number];
  /** Debug logger; silent by default. */
  logger?: Logger;
  /** Time source and timers (tests inject a fake one). @default systemClock */
  clock?: Clock;
  /** A transport to use instead of the one registered for `protocol.encryption`. */
  transport?: Transport;
  /** Options passed to the registered transport factory (for example TLS certificates). */
  transportOptions?: Readonly<Record<string, unknown>>;
  /** Salt hashed into the node id (py2p uses a random UUID4 text). Fix it for deterministic ids. */
  salt?: string;
  /**
   * This node's key pair in an authenticated subnet (`new Protocol(subnet, encryption, { auth: true })`):
   * the node id is `identity.id`, handshakes prove the key and every message is signed with it
   * (README, "Authenticated subnets"); `salt` is then unused. Keep it with `Identity.loadOrCreate(path)`.
   * Giving one for any other protocol throws `INVALID_ARGUMENT`.
   * @default a fresh `Identity.generate()` in an authenticated subnet; none elsewhere
   */
  identity?: Identity;
  /** Automatic connections made from received peers lists stop at this many outgoing peers. @default 4 */
  maxOutgoing?: number;
  /** Compression methods to advertise, best first. @default DEFAULT_COMPRESSIONS ([snappy, zlib, gzip]) */
  compression?: readonly number[];
  limits?: MeshLimits;
  /**
   * Seeds (`p2p seed`, or py2p/js2p 0.7 seeders) to bootstrap through: `listen()` registers this
   * node with them and dials the nodes registered under the same protocol (PROTOCOL.md 8). A
   * seed that cannot be reached is recorded in `status`; see `bootstrap()` for the call itself.
   */
  bootstrap?: ReadonlyArray<readonly [string, number]>;
  /**
   * Re-dialing of peers this node dialed (by hand or from a peers list) after they drop; `false`
   * turns it off. Stops on `close()` and for a peer given to `disconnect()`.
   * @default { maxAttempts: 10, initialDelay: 250, maxDelay: 10000, factor: 2, jitter: 0.5 }
   */
  reconnect?: ReconnectOptions | false;
  /**
   * Ping/pong between @p2p nodes: peers idle for `interval` ms are pinged; one that answers pings
   * and then sends nothing for `timeout` ms is dropped (`PEER_UNRESPONSIVE`). `false` turns it off.
   * @default { interval: 5000, timeout: 15000 }
   */
  liveness?: LivenessOptions | false;
  /**
   * Also queue for `recv()` the messages a `message` listener received (py2p's way: the event
   * says "call recv()"). With `false`, a message heard by a listener is not queued.
   * @default true
   */
  queueWhenListened?: boolean;
  /** Aborts `listen()` (bootstrap included); the socket is closed and `listen()` rejects `ABORTED`. */
  signal?: AbortSignal;
}

/** {@link MeshLimits} with every default filled in. */
export type ResolvedLimits = Readonly<Required<MeshLimits>>;

export const DEFAULT_LIMITS: ResolvedLimits = Object.freeze({
  maxFrameBytes: 16 * 1024 * 1024,
  maxQueue: 10_000,
  maxSeen: 100_000,
  maxPendingConnections: 64,
  maxPendingOutgoing: 64,
  maxPendingPerAddress: 32,
  maxConnectionsPerAddress: 128,
  maxConnections: 256,
  evictIdleAfter: 60_000,
  maxPeersPerList: 32,
  maxPendingRequests: 256,
  handshakeTimeout: 10_000,
  // PROTOCOL.md 4.10 (py2p's partial-frame rule).
  stalledFrameTimeout: 60_000,
  maxWriteBufferBytes: 32 * 1024 * 1024,
  slowPeerTimeout: 30_000,
  writeHighWaterBytes: 1024 * 1024,
  maxNodeWriteBytes: 1024 * 1024 * 1024,
  maxQueueBytes: 64 * 1024 * 1024,
  replyRouteTimeout: 30_000,
});

/** PROTOCOL.md 4.4, Appendix A. */
export const DEFAULT_MAX_OUTGOING = 4;

export function resolveLimits(limits: MeshLimits | undefined): ResolvedLimits {
  const out: Record<string, number> = { ...DEFAULT_LIMITS };
  for (const [key, value] of Object.entries(limits ?? {})) {
    if (value !== undefined) out[key] = value;
  }
  return Object.freeze(out) as unknown as ResolvedLimits;
}

/** Options of {@link MeshSocket.send}. */
export interface SendOptions {
  /** Main flag: `MainFlags.broadcast` floods the network, `MainFlags.whisper` reaches neighbours only. @default MainFlags.broadcast */
  flag?: number;
  /** Sub-flag, `packets[0]` of the received message. @default SubFlags.broadcast (as py2p, even for whispers) */
  type?: number;
}

/** Options of {@link MeshSocket.registerHandler}. */
export interface RegisterHandlerOptions {
  /**
   * Reject functions that do not declare exactly two parameters, as py2p does. Turn it off for
   * handlers written with rest or default parameters.
   * @default true
   */
  checkArity?: boolean;
}

/** Counters for monitoring; they only grow. */
export interface MeshStats {
  /** Messages dropped from a full receive queue that no listener or consumer had received. */
  droppedMessages: number;
  /** Broadcasts ignored because they were older than 60 s (clock skew shows up here). */
  expiredBroadcasts: number;
  /** De-duplication entries evicted early because the set was full. */
  evictedSeen: number;
  /** Incoming or outgoing connections refused by a limit. */
  refusedConnections: number;
  /** Relayed broadcasts not queued for a peer that already had `limits.maxWriteBufferBytes` queued. */
  droppedWrites: number;
}
