/**
 * One link to a peer: frames in (FrameReader + checksum-verified trial decompression), frames
 * out (per-link compression), the peer's handshake facts, and the liveness timers of 4.10.
 */
import {
  ClosedError,
  FrameReader,
  LimitExceededError,
  MainFlags,
  P2PError,
  StalledFrameError,
  SubFlags,
  chooseCompression,
  concatBytes,
  decodeCandidates,
  decodeFrameBody,
  frameFromPacked,
  packPacket,
  type Clock,
  type Endpoint,
  type Logger,
  type Protocol,
  type TimerHandle,
  type TransportConnection,
  type WireMessage,
} from '@p2p/base';
import type { ResolvedLimits } from './options';

/** What a connection needs from the socket that owns it. @internal */
export interface ConnectionContext {
  readonly id: string;
  readonly protocol: Protocol;
  /** Compression methods this node supports, best first. */
  readonly compression: readonly number[];
  readonly limits: ResolvedLimits;
  readonly clock: Clock;
  readonly logger: Logger;
  nowSeconds(): number;
  /** Records a message this node sent in the de-duplication set. */
  remember(id: Uint8Array, time: number): void;
  /** A decoded message arrived. */
  onMessage(connection: MeshConnection, wire: WireMessage): void;
  /** The connection failed (bad frame, stall, overflow) and is being dropped. */
  onFailure(connection: MeshConnection, error: P2PError): void;
  /** The connection is gone; `reason` is undefined for a clean close. */
  onClosed(connection: MeshConnection, reason: P2PError | undefined): void;
}

/** Options of {@link MeshConnection.send}. */
export interface ConnectionSendOptions {
  /**
   * Sub-flag (PROTOCOL.md 3.2), sent as `packets[0]` on the wire.
   * @default SubFlags.broadcast (0x00), as py2p's `send`
   */
  type?: number;
}

/** `send()` returns false (slow down) once this much is queued for one peer. */
const HIGH_WATER_BYTES = 64 * 1024;

/** Frames of one message already built per compression method, shared across connections. */
export type FrameCache = Map<number | null, Uint8Array>;

/**
 * A connection of a {@link MeshSocket}, established or still waiting for its handshake. Users
 * receive these from `peers`, `pendingConnections` and handlers; the socket creates them.
 */
export class MeshConnection {
  readonly #ctx: ConnectionContext;
  readonly #transport: TransportConnection;
  readonly #outgoing: boolean;
  readonly #reader: FrameReader;
  #peerId: string | undefined;
  #peerAddr: readonly [string, number] | undefined;
  #compression: readonly number[] = [];
  #sendMethod: number | null = null;
  #candidates: (number | null)[];
  #lastSent: { packed: Uint8Array; id: Uint8Array } | undefined;
  #stallTimer: TimerHandle | undefined;
  #handshakeTimer: TimerHandle | undefined;
  #closing = false;
  #closedLocally = false;
  #closeReason: P2PError | undefined;
  #bytesSent = 0;
  #bytesReceived = 0;
  #outbox: Uint8Array[] = [];
  #outboxBytes = 0;

  /** @internal Created by the socket only. */
  constructor(ctx: ConnectionContext, transport: TransportConnection, outgoing: boolean) {
    this.#ctx = ctx;
    this.#transport = transport;
    this.#outgoing = outgoing;
    this.#reader = new FrameReader({ maxFrameBytes: ctx.limits.maxFrameBytes });
    this.#candidates = decodeCandidates([], ctx.compression);
    transport.on('data', (chunk) => this.#onData(chunk));
    transport.on('close', (error) => this.#onClose(error));
  }

  /** The peer's node id, once its handshake arrived. */
  get peerId(): string | undefined {
    return this.#peerId;
  }

  /** The address the peer advertises (its out address), once its handshake arrived. */
  get peerAddr(): readonly [string, number] | undefined {
    return this.#peerAddr;
  }

  /** True when this node dialed the connection. */
  get outgoing(): boolean {
    return this.#outgoing;
  }

  /** The compression methods the peer advertised, in its order (empty until its handshake). */
  get compression(): readonly number[] {
    return this.#compression;
  }

  get protocol(): Protocol {
    return this.#ctx.protocol;
  }

  /** The transport's view of the other end (the socket address, not the advertised one). */
  get remote(): Endpoint {
    return this.#transport.remote;
  }

  /** True when the underlying stream is encrypted (TLS). */
  get encrypted(): boolean {
    return this.#transport.encrypted;
  }

  /** Bytes queued for this peer but not yet handed to the OS (backpressure). */
  get writableLength(): number {
    return this.#transport.writableLength + this.#outboxBytes;
  }

  get closed(): boolean {
    return this.#closing || this.#transport.closed;
  }

  /** @internal True when this side closed or dropped the connection (not the peer). */
  get closedLocally(): boolean {
    return this.#closedLocally;
  }

  /** Frame bytes written to and read from this connection. */
  get bytesSent(): number {
    return this.#bytesSent;
  }

  get bytesReceived(): number {
    return this.#bytesReceived;
  }

  /**
   * Sends `flag / type [...packets]` to this peer only (PROTOCOL.md 10.6). Returns false when
   * the peer is not keeping up (wait for it to drain before sending much more). Throws
   * `ENCODE_ERROR` for values msgpack cannot carry and `CLOSED` on a closed connection.
   */
  send(flag: number, packets: readonly unknown[], options: ConnectionSendOptions = {}): boolean {
    if (this.closed) throw new ClosedError('connection is closed', { details: { peer: this.#peerId } });
    const time = this.#ctx.nowSeconds();
    const { packed, id } = packPacket({
      type: flag,
      sender: this.#ctx.id,
      time,
      payload: [options.type ?? SubFlags.broadcast, ...packets],
    });
    this.#ctx.remember(id, time);
    return this.writePacked(packed, id, flag);
  }

  /** @internal The peer's handshake was accepted: record what it said. */
  setPeer(id: string, addr: readonly [string, number], compression: readonly number[]): void {
    this.#peerId = id;
    this.#peerAddr = Object.freeze([addr[0], addr[1]] as [string, number]);
    this.setCompression(compression);
    this.clearHandshakeTimer();
  }

  /** @internal Adopts the peer's (re)advertised compression list. */
  setCompression(list: readonly number[]): void {
    this.#compression = Object.freeze([...list]);
    this.#sendMethod = chooseCompression(this.#ctx.compression, this.#compression);
    this.#candidates = decodeCandidates(this.#compression, this.#ctx.compression);
  }

  /**
   * @internal Frames already packed bytes for this link and writes them. Used for relays
   * (original bytes), socket-wide sends (one packing, F21) and resends. `cache` shares the
   * compressed frame among connections using the same method.
   */
  writePacked(
    packed: Uint8Array,
    id: Uint8Array,
    flag: number,
    options: { uncompressed?: boolean; cache?: FrameCache; relay?: boolean } = {},
  ): boolean {
    if (this.closed) return false;
    const method = options.uncompressed ? null : this.#sendMethod;
    let frame = options.cache?.get(method);
    if (!frame) {
      frame = frameFromPacked(packed, id, method);
      options.cache?.set(method, frame);
    }
    // PROTOCOL.md 1.7.5: `resend` repeats the last whisper or broadcast this node originated.
    if (!options.relay && (flag === MainFlags.whisper || flag === MainFlags.broadcast)) this.#lastSent = { packed, id };
    this.#bytesSent += frame.length;
    // Frames written in one tick leave in one write (one syscall instead of one per frame).
    this.#outbox.push(frame);
    this.#outboxBytes += frame.length;
    if (this.#outbox.length === 1) queueMicrotask(this.#flush);
    const queued = this.#transport.writableLength + this.#outboxBytes;
    if (queued > this.#ctx.limits.maxWriteBufferBytes) {
      this.fail(
        new LimitExceededError(`peer is not reading: more than ${this.#ctx.limits.maxWriteBufferBytes} bytes queued`, {
          details: { peer: this.#peerId, queued },
        }),
      );
      return false;
    }
    return queued < HIGH_WATER_BYTES;
  }

  readonly #flush = (): void => {
    const frames = this.#outbox;
    if (frames.length === 0) return;
    this.#outbox = [];
    this.#outboxBytes = 0;
    if (this.#transport.closed) return;
    this.#transport.write(frames.length === 1 ? frames[0]! : concatBytes(...frames));
  };

  /** @internal Re-sends the last whisper/broadcast unchanged, framed for the current list. */
  resendLast(): boolean {
    const last = this.#lastSent;
    if (!last) return false;
    return this.writePacked(last.packed, last.id, MainFlags.whisper);
  }

  /** @internal Arms the handshake deadline (PROTOCOL.md 4.10, F5). */
  startHandshakeTimer(onTimeout: () => void): void {
    this.clearHandshakeTimer();
    this.#handshakeTimer = this.#ctx.clock.setTimeout(() => {
      this.#handshakeTimer = undefined;
      onTimeout();
    }, this.#ctx.limits.handshakeTimeout);
  }

  /** @internal */
  clearHandshakeTimer(): void {
    if (this.#handshakeTimer !== undefined) this.#ctx.clock.clearTimeout(this.#handshakeTimer);
    this.#handshakeTimer = undefined;
  }

  /** Closes gracefully: queued frames are flushed first. */
  close(): void {
    if (this.#closing) return;
    this.#closing = true;
    this.#closedLocally = true;
    this.#clearTimers();
    this.#flush();
    this.#transport.end();
  }

  /** @internal Drops the connection at once, reporting `error` to the socket first. */
  fail(error: P2PError): void {
    if (this.#closing) return;
    this.#ctx.onFailure(this, error);
    this.destroy(error);
  }

  /** @internal Drops the connection at once, discarding queued frames. */
  destroy(reason?: P2PError): void {
    this.#closeReason ??= reason;
    if (!this.#closing) this.#closedLocally = true;
    this.#closing = true;
    this.#clearTimers();
    this.#outbox = [];
    this.#outboxBytes = 0;
    this.#transport.destroy(reason);
  }

  toString(): string {
    const who = this.#peerId === undefined ? 'pending' : this.#peerId.slice(0, 12) + '…';
    return `MeshConnection(${who}, ${this.#outgoing ? 'outgoing' : 'incoming'}, ${this.remote.host}:${this.remote.port})`;
  }

  #onData(chunk: Uint8Array): void {
    if (this.#closing) return;
    this.#bytesReceived += chunk.length;
    let bodies: Uint8Array[];
    try {
      bodies = this.#reader.push(chunk);
    } catch (err) {
      this.fail(asP2PError(err));
      return;
    }
    for (const body of bodies) {
      if (this.#closing) return;
      let wire: WireMessage;
      try {
        wire = decodeFrameBody(body, { candidates: this.#candidates, maxBytes: this.#ctx.limits.maxFrameBytes });
      } catch (err) {
        this.fail(asP2PError(err));
        return;
      }
      this.#ctx.onMessage(this, wire);
    }
    if (this.#closing) return;
    this.#armStallTimer();
  }

  #armStallTimer(): void {
    const clock = this.#ctx.clock;
    if (this.#stallTimer !== undefined) clock.clearTimeout(this.#stallTimer);
    this.#stallTimer = undefined;
    if (!this.#reader.hasPartialFrame) return;
    const ms = this.#ctx.limits.stalledFrameTimeout;
    this.#stallTimer = clock.setTimeout(() => {
      this.#stallTimer = undefined;
      this.fail(
        new StalledFrameError(`no bytes for ${ms} ms in the middle of a frame`, {
          details: { peer: this.#peerId, buffered: this.#reader.bufferedBytes },
        }),
      );
    }, ms);
  }

  #clearTimers(): void {
    if (this.#stallTimer !== undefined) this.#ctx.clock.clearTimeout(this.#stallTimer);
    this.#stallTimer = undefined;
    this.clearHandshakeTimer();
  }

  #onClose(error: P2PError | undefined): void {
    this.#closing = true;
    this.#clearTimers();
    this.#ctx.onClosed(this, this.#closeReason ?? error);
  }
}

function asP2PError(err: unknown): P2PError {
  if (err instanceof P2PError) return err;
  return new P2PError('BAD_MESSAGE', err instanceof Error ? err.message : String(err), { cause: err });
}
