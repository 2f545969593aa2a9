/**
 * The public face of one connection of a {@link MeshSocket}. Users, handlers and extensions get
 * these; the control part (framing, timers, peer facts) stays in the internal `Link` behind it.
 */
import type { Endpoint, Protocol } from '@p2p/base';
import type { Link } from './link';

/**
 * Where a connection is in its life: `handshaking` until the peer's handshake was accepted,
 * `open` while filed, `closing` once either side started closing it, `closed` when the
 * transport is gone.
 */
export type ConnectionState = 'handshaking' | 'open' | 'closing' | 'closed';

/** Options of {@link MeshConnection.send}. */
export interface ConnectionSendOptions {
  /**
   * Sub-flag (PROTOCOL.md 3.2), sent as `packets[0]` on the wire.
   * @default SubFlags.broadcast (0x00), as py2p's `send`
   */
  type?: number;
}

let wrap: (link: Link) => MeshConnection;
let unwrap: (connection: MeshConnection) => Link;

/**
 * A connection of a {@link MeshSocket}, established or still waiting for its handshake. Users
 * receive these from `peers`, `pendingConnections` and handlers; the socket creates them.
 */
export class MeshConnection {
  readonly #link: Link;

  private constructor(link: Link) {
    this.#link = link;
  }

  static {
    wrap = (link) => new MeshConnection(link);
    unwrap = (connection) => connection.#link;
  }

  /** The peer's node id, once its handshake arrived. */
  get peerId(): string | undefined {
    return this.#link.peerId;
  }

  /** The address the peer advertises (its out address), once its handshake arrived. */
  get peerAddr(): readonly [string, number] | undefined {
    return this.#link.peerAddr;
  }

  /** True when this node dialed the connection. */
  get outgoing(): boolean {
    return this.#link.outgoing;
  }

  /** The compression methods the peer advertised, in its order (empty until its handshake). */
  get compression(): readonly number[] {
    return this.#link.compression;
  }

  get protocol(): Protocol {
    return this.#link.protocol;
  }

  /** The transport's view of the other end (the socket address, not the advertised one). */
  get remote(): Endpoint {
    return this.#link.remote;
  }

  /** True when the underlying stream is encrypted (TLS). */
  get encrypted(): boolean {
    return this.#link.encrypted;
  }

  /** See {@link ConnectionState}. */
  get state(): ConnectionState {
    return this.#link.state;
  }

  /** True once the connection is closing or closed (`state` is `closing` or `closed`). */
  get closed(): boolean {
    return this.#link.closed;
  }

  /** Frame bytes written to this connection. */
  get bytesSent(): number {
    return this.#link.bytesSent;
  }

  /** Frame bytes read from this connection. */
  get bytesReceived(): number {
    return this.#link.bytesReceived;
  }

  /** Bytes queued for this peer but not yet handed to the OS (backpressure). */
  get writableLength(): number {
    return this.#link.writableLength;
  }

  /**
   * Sends `flag / type [...packets]` to this peer only (PROTOCOL.md 10.6). Returns false when
   * the peer is not keeping up (wait for it to drain before sending much more). Throws
   * `ENCODE_ERROR` for values msgpack cannot carry, `CLOSED` on a closed connection and
   * `LIMIT_EXCEEDED` over `limits.maxNodeWriteBytes` (nothing is sent).
   */
  send(flag: number, packets: readonly unknown[], options: ConnectionSendOptions = {}): boolean {
    return this.#link.send(flag, packets, options);
  }

  /** Closes gracefully: queued frames are flushed first. */
  close(): void {
    this.#link.close();
  }

  /**
   * Drops the connection at once, discarding queued frames: to the peer it looks like a crash
   * (tests use it to simulate one). Prefer {@link close}.
   */
  destroy(): void {
    this.#link.destroy();
  }

  toString(): string {
    return this.#link.toString();
  }
}

/** The view of a new link. Mesh-internal. */
export function createConnectionView(link: Link): MeshConnection {
  return wrap(link);
}

/** The link behind a connection. Mesh-internal. */
export function linkOf(connection: MeshConnection): Link {
  return unwrap(connection);
}
