/**
 * One link to a peer, the internal side of a {@link MeshConnection}: frames in (FrameReader +
 * checksum-verified trial decompression), frames out (per-link compression), the peer's
 * handshake facts, its state, and the liveness timers of 4.10. Only mesh modules see it.
 */
import {
  BadMessageError,
  ClosedError,
  FrameReader,
  LimitExceededError,
  MainFlags,
  StalledFrameError,
  SubFlags,
  asP2PError,
  broadcastIdAt,
  chooseCompression,
  decodeCandidates,
  decodeFrameBody,
  frameFromPacked,
  type Clock,
  type Endpoint,
  type Logger,
  type P2PError,
  type Protocol,
  type TimerHandle,
  type TransportConnection,
  type WireMessage,
} from '@p2p/base';
import type { BatchSlab } from './batch-slab';
import { carriesData } from './link-traffic';
import { createConnectionView, type ConnectionSendOptions, type ConnectionState, type MeshConnection } from './mesh-connection';
import type { ResolvedLimits } from './options';
import { parseHandshake } from './payloads';
import type { MeshMetrics } from './metrics';
import { looksLikeTls, tlsMixupError } from './protocol-mismatch';
import { StallWatch } from './stall-watch';
import { Outbox } from './outbox';
import type { Packed } from './sender';
import { SlowPeerWatch, type SlowPeerFacts } from './slow-peer';
import type { WriteBudget } from './write-budget';
import { spansItsBuffer, type ReceivedBody } from './received-body';

/** What a link needs from the socket that owns it. */
export interface LinkContext {
  readonly id: string;
  readonly protocol: Protocol;
  /** Compression methods this node supports, best first. */
  readonly compression: readonly number[];
  readonly limits: ResolvedLimits;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly metrics: MeshMetrics;
  /** The node's account of bytes queued for peers (write-budget.ts). */
  readonly writes: WriteBudget;
  /** The node's slab the outboxes cut their write batches from (batch-slab.ts). */
  readonly batches: BatchSlab;
  /** Packs a message of this node, remembering a broadcast's id (the one pack-and-remember, sender.ts). */
  pack(flag: number, type: number, packets: readonly unknown[]): Packed;
  /** A decoded message arrived. */
  onMessage(link: Link, wire: WireMessage): void;
  /**
   * True when a broadcast with the id at `bytes[at..at+32]` was already accepted or sent (the
   * waterfall). A frame claiming such an id is dropped before it is decoded: see base's
   * `broadcastIdAt`.
   */
  seen?(bytes: Uint8Array, at: number): boolean;
  /** A frame of `frameLength` bytes (compressed as `compression` guesses) was such a duplicate. */
  onDuplicate?(link: Link, frameLength: number, compression: number | null): void;
  /** The link failed (bad frame, stall, overflow) and is being dropped. */
  onFailure(link: Link, error: P2PError): void;
  /** The link is gone; `reason` is undefined for a clean close. */
  onClosed(link: Link, reason: P2PError | undefined): void;
}

/** The length header in front of every frame body (PROTOCOL.md 1.2). */
const FRAME_HEADER_BYTES = 4;
/** A frame's bytes beyond its packed packet: the length header and the checksum (PROTOCOL.md 1.2). */
export const FRAME_OVERHEAD_BYTES = FRAME_HEADER_BYTES + 32;

/** `send()` returns false (slow down) once this much is queued for one peer. */
const HIGH_WATER_BYTES = 64 * 1024;

/** Frames of one message already built per compression method, shared across connections. */
export type FrameCache = Map<number | null, Uint8Array>;

export class Link {
  /** The public face of this link, handed to users, handlers and extensions. */
  readonly connection: MeshConnection;
  readonly #ctx: LinkContext;
  readonly #transport: TransportConnection;
  readonly #outgoing: boolean;
  readonly #reader: FrameReader;
  #peerId: string | undefined;
  #peerAddr: readonly [string, number] | undefined;
  #compression: readonly number[] = [];
  #sendMethod: number | null = null;
  #candidates: (number | null)[];
  /** The last whisper or broadcast this node originated here, for `resend` (two fields: no object per send). */
  #lastPacked: Uint8Array | undefined;
  #lastId: Uint8Array | undefined;
  readonly #stall: StallWatch;
  #handshakeTimer: TimerHandle | undefined;
  #state: ConnectionState = 'handshaking';
  #closedLocally = false;
  /** destroy() or fail() was called: nothing more is read. */
  #dropped = false;
  #closeReason: P2PError | undefined;
  #bytesSent = 0;
  #bytesReceived = 0;
  #lastReceivedAt: number;
  readonly #outbox: Outbox;
  /** This link's bytes as last counted in the node's write budget. */
  #accounted = 0;
  readonly #slow: SlowPeerWatch;

  constructor(ctx: LinkContext, transport: TransportConnection, outgoing: boolean) {
    this.connection = createConnectionView(this);
    this.#ctx = ctx;
    this.#transport = transport;
    this.#outgoing = outgoing;
    // Views: a duplicate is dropped without a copy; every other body is copied before decoding.
    this.#reader = new FrameReader({ maxFrameBytes: ctx.limits.maxFrameBytes, views: true });
    // A handshake always travels uncompressed (PROTOCOL.md 4.2): nothing is inflated for a
    // peer that has not handshaken yet.
    this.#candidates = [null];
    this.#lastReceivedAt = ctx.clock.now();
    this.#stall = new StallWatch(ctx.clock, ctx.limits.stalledFrameTimeout, {
      lastReceivedAt: () => this.#lastReceivedAt,
      stalled: () => !this.#dropped && !this.#closing && this.#reader.hasPartialFrame,
      onStall: (ms) =>
        this.fail(
          new StalledFrameError(`no bytes for ${ms} ms in the middle of a frame`, {
            details: { peer: this.#peerId, buffered: this.#reader.bufferedBytes },
          }),
        ),
    });
    this.#outbox = new Outbox(transport, ctx.batches, () => this.#measure());
    this.#slow = new SlowPeerWatch(ctx.clock, ctx.limits, () => ({ queued: this.writableLength, taken: this.#bytesSent - this.writableLength }), (facts) => this.#onSlow(facts));
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
    return this.#transport.writableLength + this.#outbox.bytes;
  }

  get state(): ConnectionState {
    return this.#state;
  }

  /** True from the moment the link starts closing. */
  get closed(): boolean {
    return this.#closing || this.#transport.closed;
  }

  get #closing(): boolean {
    return this.#state === 'closing' || this.#state === 'closed';
  }

  /** True when this side closed or dropped the connection (not the peer). */
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

  /** When bytes last arrived from the peer (or the link was opened), by the socket's clock. */
  get lastReceivedAt(): number {
    return this.#lastReceivedAt;
  }

  /**
   * Sends `flag / type [...packets]` to this peer only (PROTOCOL.md 10.6). Returns false when
   * the peer is not keeping up (wait for it to drain before sending much more). Throws
   * `ENCODE_ERROR` for values msgpack cannot carry, `CLOSED` on a closed connection and
   * `LIMIT_EXCEEDED` when the node's write budget (`maxNodeWriteBytes`) has no room: nothing is sent.
   */
  send(flag: number, packets: readonly unknown[], options: ConnectionSendOptions = {}): boolean {
    if (this.closed) throw new ClosedError('connection is closed', { details: { peer: this.#peerId } });
    const { packed, id } = this.#ctx.pack(flag, options.type ?? SubFlags.broadcast, packets);
    this.#ctx.writes.assertRoom(packed.length + FRAME_OVERHEAD_BYTES);
    return this.writePacked(packed, id, flag);
  }

  /** The peer's handshake was accepted: record what it said. */
  setPeer(id: string, addr: readonly [string, number], compression: readonly number[]): void {
    if (this.#state === 'handshaking') this.#state = 'open';
    this.#peerId = id;
    this.#peerAddr = Object.freeze([addr[0], addr[1]] as [string, number]);
    this.setCompression(compression);
    this.clearHandshakeTimer();
  }

  /** Adopts the peer's (re)advertised compression list. */
  setCompression(list: readonly number[]): void {
    this.#compression = Object.freeze([...list]);
    this.#sendMethod = chooseCompression(this.#ctx.compression, this.#compression);
    this.#candidates = decodeCandidates(this.#compression, this.#ctx.compression);
  }

  /**
   * Frames already packed bytes for this link and writes them. Used for relays
   * (original bytes), socket-wide sends (one packing, F21) and resends. `cache` shares the
   * compressed frame among connections using the same method.
   */
  writePacked(
    packed: Uint8Array,
    id: Uint8Array,
    flag: number,
    options: { uncompressed?: boolean; cache?: FrameCache; relay?: boolean; received?: ReceivedBody } = {},
  ): boolean {
    if (this.closed) return false;
    // Relays (what other peers make this node hold for this one) stop at maxWriteBufferBytes.
    if (options.relay && this.writableLength > this.#ctx.limits.maxWriteBufferBytes) {
      this.#ctx.writes.droppedWrites++;
      return false;
    }
    const method = options.uncompressed ? null : this.#sendMethod;
    const received = options.received;
    let length: number;
    if (received !== undefined && received.compression === method) {
      // A relay under the method the frame arrived with forwards the body it arrived as.
      length = this.#outbox.push(received.header) + this.#outbox.push(received.body);
    } else {
      let frame = options.cache?.get(method);
      if (!frame) {
        frame = frameFromPacked(packed, id, method);
        options.cache?.set(method, frame);
      }
      length = this.#outbox.push(frame);
    }
    // PROTOCOL.md 1.7.5: `resend` repeats the last whisper or broadcast this node originated.
    if (!options.relay && (flag === MainFlags.whisper || flag === MainFlags.broadcast)) {
      this.#lastPacked = packed;
      this.#lastId = id;
    }
    this.#bytesSent += length;
    this.#ctx.metrics.bytesSent(method, length);
    return this.#measure() < HIGH_WATER_BYTES;
  }

  /** Counts what is queued for the peer in the node's budget and shows it to the slow-peer rule. */
  #measure(): number {
    const queued = this.writableLength;
    if (queued !== this.#accounted && !this.#dropped) {
      this.#ctx.writes.account(this, this.#accounted, queued);
      this.#accounted = queued;
    }
    if (!this.#dropped) this.#slow.update(queued);
    return queued;
  }

  #onSlow({ queued, read, watchedMs }: SlowPeerFacts): void {
    const { writeHighWaterBytes, slowPeerTimeout } = this.#ctx.limits;
    this.fail(
      new LimitExceededError(`peer is not reading: ${queued} bytes queued, ${read} taken in ${watchedMs} ms`, {
        details: { peer: this.#peerId, queued, read, watchedMs, writeHighWaterBytes, slowPeerTimeout },
      }),
    );
  }

  /** The link is gone or dropped: its bytes leave the node's budget, the slow-peer rule stops. */
  #release(): void {
    this.#outbox.clear();
    this.#slow.stop();
    this.#ctx.writes.release(this, this.#accounted);
    this.#accounted = 0;
  }

  /** Re-sends the last whisper/broadcast unchanged, framed for the current list. */
  resendLast(): boolean {
    if (this.#lastPacked === undefined || this.#lastId === undefined) return false;
    return this.writePacked(this.#lastPacked, this.#lastId, MainFlags.whisper);
  }

  /** Arms the handshake deadline (PROTOCOL.md 4.10, F5). */
  startHandshakeTimer(onTimeout: () => void): void {
    this.clearHandshakeTimer();
    this.#handshakeTimer = this.#ctx.clock.setTimeout(() => {
      this.#handshakeTimer = undefined;
      onTimeout();
    }, this.#ctx.limits.handshakeTimeout);
  }

  clearHandshakeTimer(): void {
    if (this.#handshakeTimer !== undefined) this.#ctx.clock.clearTimeout(this.#handshakeTimer);
    this.#handshakeTimer = undefined;
  }

  /** Closes gracefully: queued frames are flushed first. */
  close(): void {
    if (this.#closing) return;
    this.#state = 'closing';
    this.#closedLocally = true;
    this.#clearTimers();
    this.#outbox.flush(true);
    this.#transport.end();
  }

  /** Drops the connection at once, reporting `error` to the socket first. */
  fail(error: P2PError): void {
    if (this.#dropped) return;
    this.#ctx.onFailure(this, error);
    this.destroy(error);
  }

  /** Drops the connection at once, discarding queued frames. */
  destroy(reason?: P2PError): void {
    this.#dropped = true;
    this.#closeReason ??= reason;
    if (!this.#closing) {
      this.#closedLocally = true;
      this.#state = 'closing';
    }
    this.#clearTimers();
    this.#release();
    this.#transport.destroy(reason);
  }

  toString(): string {
    const who = this.#peerId === undefined ? 'pending' : this.#peerId.slice(0, 12) + '…';
    return `MeshConnection(${who}, ${this.#outgoing ? 'outgoing' : 'incoming'}, ${this.remote.host}:${this.remote.port})`;
  }

  /** Frame and decode failures are the peer's: BAD_MESSAGE unless already a P2PError. */
  #failWith(err: unknown): void {
    this.fail(asP2PError(err, BadMessageError));
  }

  #onData(chunk: Uint8Array): void {
    // A gracefully closing link still reads what the peer sent before it saw the close (a
    // conflict's loser may carry a reply written just before it); only a dropped link stops.
    if (this.#dropped) return;
    if (this.#bytesReceived === 0 && !this.#transport.encrypted && looksLikeTls(chunk)) {
      this.fail(tlsMixupError(this.remote, this.#ctx.protocol.encryption));
      return;
    }
    this.#bytesReceived += chunk.length;
    this.#lastReceivedAt = this.#ctx.clock.now();
    let bodies: Uint8Array[];
    try {
      bodies = this.#reader.push(chunk, this.#state === 'open' && this.#ctx.seen !== undefined ? this.#skipSeen : undefined);
    } catch (err) {
      this.#failWith(err);
      return;
    }
    for (const view of bodies) {
      if (this.#dropped) return;
      // Decoded values are views into the body: they must not pin much more of the transport's
      // chunk than the body (a chunk holding one frame is kept as it is, not copied).
      const body = spansItsBuffer(view) ? view : view.slice();
      let wire: WireMessage;
      try {
        wire = decodeFrameBody(body, { candidates: this.#candidates, maxBytes: this.#ctx.limits.maxFrameBytes });
      } catch (err) {
        this.#failWith(err);
        return;
      }
      // On a closing link the data the peer sent before it saw the close still counts: user
      // messages (a reply written on a conflict's losing link) and layer messages (a chord store
      // forwarded just before a trim); messages about the link itself are left unread. A
      // handshake's compression list is still taken: the peer compresses what follows it.
      if (this.#closing && !carriesData(wire)) {
        if (wire.type === MainFlags.whisper && wire.payload[0] === SubFlags.handshake) this.#adoptCompression(wire.payload);
        continue;
      }
      this.#ctx.onMessage(this, wire);
    }
    if (this.#closing) return;
    this.#stall.update(this.#reader.hasPartialFrame);
  }

  /**
   * A broadcast already accepted costs a lookup, not a decompression and a digest: the frame
   * reader shows each body in place and this drops the copies (most frames of a flood), with
   * no view made of the body or its id. Bodies of one read are all seen before any is handled,
   * so a copy of a broadcast that arrives in the same read as its first copy is caught by the
   * waterfall instead, after decoding.
   */
  readonly #skipSeen = (bytes: Uint8Array, start: number, end: number): boolean => {
    const method = this.#candidates[0]!;
    const at = broadcastIdAt(bytes, method, start, end);
    if (at < 0 || !this.#ctx.seen!(bytes, at)) return false;
    this.#ctx.onDuplicate?.(this, end - start + FRAME_HEADER_BYTES, method);
    return true;
  };

  /** The compression list of a handshake that is not acted on (this link is closing), for decoding what follows. */
  #adoptCompression(payload: readonly unknown[]): void {
    const hs = parseHandshake(payload);
    if (hs !== undefined && hs !== 'invalid') this.setCompression(hs.compression);
  }

  #clearTimers(): void {
    this.#stall.clear();
    this.clearHandshakeTimer();
  }

  #onClose(error: P2PError | undefined): void {
    this.#state = 'closed';
    this.#clearTimers();
    this.#release();
    this.#ctx.onClosed(this, this.#closeReason ?? error);
  }
}
