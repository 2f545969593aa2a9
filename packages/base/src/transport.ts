/**
 * The transport seam. A socket (mesh, sync, chord) speaks frames over a
 * {@link TransportConnection}; where the bytes go is the transport's business: TCP is built in,
 * `@p2p/ssl` registers 'SSL', and an in-memory transport serves large simulations.
 * Nothing above this file touches node:net or node:tls.
 */
import type { WaitOptions } from './abort';
import { TypedEmitter, type Listener } from './events';
import type { P2PError } from './errors';

export interface Endpoint {
  readonly host: string;
  readonly port: number;
}

/** Events of a {@link TransportConnection}. */
export type TransportConnectionEvents = {
  /** Bytes arrived. Chunks have no relation to frame boundaries. */
  data: [chunk: Uint8Array];
  /** The write buffer emptied after `write()` returned false. */
  drain: [];
  /** The connection is gone; `error` says why when it did not end cleanly. Emitted once. */
  close: [error: P2PError | undefined];
};

/** One established, bidirectional byte stream. */
export interface TransportConnection {
  readonly remote: Endpoint;
  readonly local: Endpoint;
  /** True when the bytes are encrypted on the wire (TLS). */
  readonly encrypted: boolean;
  /** Transport-specific facts, e.g. the peer certificate fingerprint for TLS. */
  readonly info: Readonly<Record<string, unknown>>;
  /** Bytes accepted by `write` but not yet handed to the OS. */
  readonly writableLength: number;
  readonly closed: boolean;
  /** Queues bytes; returns false when the caller should wait for `drain`. */
  write(data: Uint8Array): boolean;
  /** Flushes what is queued, then closes. */
  end(): void;
  /** Closes at once, discarding what is queued. */
  destroy(error?: P2PError): void;
  on<E extends keyof TransportConnectionEvents>(
    event: E,
    listener: Listener<TransportConnectionEvents[E]>,
  ): () => void;
  off<E extends keyof TransportConnectionEvents>(
    event: E,
    listener: Listener<TransportConnectionEvents[E]>,
  ): void;
}

export interface ListenOptions {
  host: string;
  /** 0 picks an ephemeral port. */
  port: number;
  /** Called for every accepted (and, for TLS, authenticated) connection. */
  onConnection: (connection: TransportConnection) => void;
  /** Called when an incoming connection fails before it is handed over (e.g. a TLS error). */
  onError?: (error: P2PError, remote: Endpoint | undefined) => void;
}

export interface DialOptions extends WaitOptions {
  host: string;
  port: number;
}

export interface TransportListener {
  /** The bound address (with the real port when 0 was asked for). */
  readonly address: Endpoint;
  /** Stops accepting; existing connections are left to their owner. */
  close(): Promise<void>;
}

export interface Transport {
  /** The Protocol encryption name this transport implements: 'Plaintext', 'SSL', ... */
  readonly encryption: string;
  listen(options: ListenOptions): Promise<TransportListener>;
  dial(options: DialOptions): Promise<TransportConnection>;
}

/**
 * Shared plumbing for connection implementations: typed events, exactly-once close, and
 * buffering of data that arrives before anyone listens (so no bytes are lost between accept
 * and the owner attaching its handlers).
 */
export abstract class TransportConnectionBase
  extends TypedEmitter<TransportConnectionEvents>
  implements TransportConnection
{
  abstract readonly remote: Endpoint;
  abstract readonly local: Endpoint;
  abstract readonly encrypted: boolean;
  abstract readonly writableLength: number;
  info: Readonly<Record<string, unknown>> = {};
  #closed = false;
  #early: Uint8Array[] = [];

  get closed(): boolean {
    return this.#closed;
  }

  abstract write(data: Uint8Array): boolean;
  abstract end(): void;
  abstract destroy(error?: P2PError): void;

  override on<E extends keyof TransportConnectionEvents>(
    event: E,
    listener: Listener<TransportConnectionEvents[E]>,
  ): () => void {
    const off = super.on(event, listener);
    if (event === 'data' && this.#early.length > 0) {
      const early = this.#early;
      this.#early = [];
      queueMicrotask(() => {
        for (const chunk of early) this.emit('data', chunk);
      });
    }
    return off;
  }

  /** Implementations call this with received bytes. */
  protected pushData(chunk: Uint8Array): void {
    if (this.listenerCount('data') === 0) this.#early.push(chunk);
    else this.emit('data', chunk);
  }

  protected pushDrain(): void {
    this.emit('drain');
  }

  /** Implementations call this once the underlying stream is gone; repeats are ignored. */
  protected pushClose(error?: P2PError): void {
    if (this.#closed) return;
    this.#closed = true;
    this.emit('close', error);
    this.removeAllListeners();
  }
}
