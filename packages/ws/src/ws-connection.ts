/**
 * A base `TransportConnection` over a WebSocket: Node's `ws` client and server sockets and the
 * browser's native one share the standard event interface, so one class serves both. Every
 * write goes out as binary messages of at most one frame each (message-splitter.ts); every
 * binary message's bytes go into the byte stream, whatever frame boundaries they hold. Text
 * messages and messages over `maxPayload` drop the connection with `WEBSOCKET_ERROR`.
 */
import { TransportConnectionBase, joinBytes, type Endpoint, type P2PError } from '@p2p/base';
import { WsErrorReason, where, wsError } from './errors';
import { MessageSplitter } from './message-splitter';

/** The part of the WebSocket interface (browser and `ws`) this class uses. */
export interface WebSocketLike {
  readonly readyState: number;
  readonly bufferedAmount: number;
  binaryType: string;
  send(data: Uint8Array): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void;
  addEventListener(type: 'close', listener: (event: { code: number; reason: string }) => void): void;
  addEventListener(type: 'error', listener: (event: { error?: unknown; message?: string }) => void): void;
}

export interface WsConnectionInit {
  readonly remote: Endpoint;
  readonly local: Endpoint;
  readonly encrypted: boolean;
  readonly info: Record<string, unknown>;
  readonly maxPayload: number;
  /** Drops the socket at once (Node's `terminate`); without it `close()` is used. */
  readonly terminate?: () => void;
  /** Turns an `error` event into a typed error. */
  readonly errorOf: (event: { error?: unknown; message?: string }) => P2PError;
  /** A rule broken by the peer (text, oversize, bad framing) was detected. */
  readonly onViolation?: (error: P2PError) => void;
  /**
   * The byte stream under the socket (Node's `net.Socket`), when reachable: the messages of one
   * write are corked on it, so they leave in one system call instead of one each. A browser has
   * none; each message is then the browser's to send.
   */
  readonly stream?: Corkable;
}

/** A stream whose writes can be held back and then sent together. */
export interface Corkable {
  cork(): void;
  uncork(): void;
}

const OPEN = 1;
/** `write()` returns false (wait for `drain`) from this many queued bytes on. */
const HIGH_WATER_BYTES = 64 * 1024;
/** How often a blocked writer looks at `bufferedAmount` (WebSocket has no drain event). */
const DRAIN_POLL_MS = 5;
/**
 * How long `end()` waits for the closing handshake before dropping the socket, and (as `ws`'s
 * `closeTimeout`, node/closing.ts) how long a closing socket waits for the peer to let go.
 */
export const END_GRACE_MS = 2_000;

function bytesOf(data: unknown): Uint8Array | undefined {
  if (data instanceof Uint8Array) return data;
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (Array.isArray(data)) return joinBytes(data as Uint8Array[]);
  return undefined;
}

export class WsConnection extends TransportConnectionBase {
  readonly remote: Endpoint;
  readonly local: Endpoint;
  readonly encrypted: boolean;
  readonly #socket: WebSocketLike;
  readonly #init: WsConnectionInit;
  readonly #splitter = new MessageSplitter();
  /** Messages received in this tick, not yet handed on (see #deliver). */
  #incoming: Uint8Array[] = [];
  #failure: P2PError | undefined;
  #drainTimer: ReturnType<typeof setInterval> | undefined;
  #endTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(socket: WebSocketLike, init: WsConnectionInit) {
    super();
    this.#socket = socket;
    this.#init = init;
    this.remote = Object.freeze({ ...init.remote });
    this.local = Object.freeze({ ...init.local });
    this.encrypted = init.encrypted;
    this.info = Object.freeze({ ...init.info });
    socket.addEventListener('message', (event) => this.#onMessage(event.data));
    socket.addEventListener('error', (event) => {
      const error = init.errorOf(event);
      if (this.#failure === undefined && !this.#gone) init.onViolation?.(error);
      this.#failure ??= error;
    });
    socket.addEventListener('close', () => this.#onClose());
    if (socket.readyState > OPEN) queueMicrotask(() => this.#onClose());
  }

  get writableLength(): number {
    return this.#socket.bufferedAmount;
  }

  /**
   * True from the closing handshake on (either side's close frame): nothing written now would be
   * read, so a send on this link throws `CLOSED` instead of vanishing. The `close` event still
   * waits for the socket to go; what arrives meanwhile is still delivered.
   */
  override get closed(): boolean {
    return super.closed || this.#socket.readyState > OPEN;
  }

  /** Whether `close` was emitted (the base's `closed`). */
  get #gone(): boolean {
    return super.closed;
  }

  write(data: Uint8Array): boolean {
    if (this.closed || this.#socket.readyState !== OPEN) return false;
    const messages = this.#splitter.split(data);
    const stream = messages.length > 1 ? this.#init.stream : undefined;
    stream?.cork();
    try {
      for (const message of messages) this.#socket.send(message);
    } finally {
      stream?.uncork();
    }
    if (this.#socket.bufferedAmount < HIGH_WATER_BYTES) return true;
    this.#drainTimer ??= setInterval(() => {
      if (this.#socket.bufferedAmount >= HIGH_WATER_BYTES && this.#socket.readyState === OPEN) return;
      this.#stopDrainTimer();
      if (!this.#gone) this.pushDrain();
    }, DRAIN_POLL_MS);
    return false;
  }

  end(): void {
    if (this.#gone) return;
    this.#socket.close(1000);
    this.#endTimer ??= setTimeout(() => this.#drop(), END_GRACE_MS);
  }

  destroy(error?: P2PError): void {
    this.#failure ??= error;
    this.#drop();
  }

  #drop(): void {
    if (this.#init.terminate) this.#init.terminate();
    else {
      this.#socket.close(1000);
      // A browser finishes the closing handshake on its own; nothing here waits for it.
      queueMicrotask(() => this.#onClose());
    }
  }

  #onMessage(data: unknown): void {
    if (this.#gone || this.#failure) return;
    if (typeof data === 'string') {
      return this.#violation(wsError(WsErrorReason.textMessage, `${where(this.remote)} sent a text message; frames travel in binary messages`, this.remote));
    }
    const bytes = bytesOf(data);
    if (!bytes) return;
    if (bytes.length > this.#init.maxPayload) {
      return this.#violation(
        wsError(WsErrorReason.messageTooLarge, `${where(this.remote)} sent a ${bytes.length}-byte message (maxPayload ${this.#init.maxPayload})`, this.remote, {
          details: { size: bytes.length, maxPayload: this.#init.maxPayload },
        }),
      );
    }
    // The messages one read of the socket held (one each per frame, js2p's framing) reach the
    // link as one chunk at the end of the tick, as TCP's would, not one by one.
    this.#incoming.push(bytes);
    if (this.#incoming.length === 1) queueMicrotask(this.#deliver);
  }

  readonly #deliver = (): void => {
    const parts = this.#incoming;
    if (parts.length === 0) return;
    this.#incoming = [];
    if (this.#gone || this.#failure) return;
    this.pushData(parts.length === 1 ? parts[0]! : joinBytes(parts));
  };

  #violation(error: P2PError): void {
    this.#init.onViolation?.(error);
    this.destroy(error);
  }

  #stopDrainTimer(): void {
    if (this.#drainTimer !== undefined) clearInterval(this.#drainTimer);
    this.#drainTimer = undefined;
  }

  #onClose(): void {
    this.#deliver();
    this.#stopDrainTimer();
    if (this.#endTimer !== undefined) clearTimeout(this.#endTimer);
    this.#endTimer = undefined;
    this.pushClose(this.#failure);
  }
}
