/**
 * The mesh socket (PROTOCOL.md section 4): an unstructured network where every node keeps a few
 * connections, floods broadcasts with de-duplication, whispers to neighbours and routes replies
 * to non-neighbours. Sync and chord subclass it through the protected members documented below.
 */
import {
  AbortError,
  BadMessageError,
  ClosedError,
  ConnectFailedError,
  DEFAULT_COMPRESSIONS,
  HandlerError,
  HandshakeTimeoutError,
  InvalidArgumentError,
  LimitExceededError,
  MainFlags,
  Message,
  P2PError,
  Protocol,
  ProtocolMismatchError,
  SubFlags,
  TypedEmitter,
  createTransport,
  isSupportedCompression,
  lanAddress,
  makeNodeId,
  negotiateReply,
  packPacket,
  randomSalt,
  scopedLogger,
  systemClock,
  withDeadline,
  type Clock,
  type Endpoint,
  type Logger,
  type TimerHandle,
  type Transport,
  type TransportConnection,
  type TransportListener,
  type WaitOptions,
  type WireMessage,
} from '@p2p/base';
import { resolveConflict } from './conflict';
import type { MeshExtension, MeshHost, SentMessage } from './extension';
import { InvalidHandlerError, SelfConnectError } from './errors';
import type { BuiltinHandler, MeshEvents, MessageHandler, PeerInfo } from './events';
import { addrKey, idBin, idText, parseAddr } from './ids';
import { MeshConnection, type ConnectionContext, type FrameCache } from './mesh-connection';
import { MessageQueue } from './message-queue';
import { DEFAULT_MAX_OUTGOING, resolveLimits, type MeshSocketOptions, type ResolvedLimits } from './options';
import {
  WILDCARD_BIN,
  handshakeFields,
  isWildcard,
  parseCompressionList,
  parseHandshake,
  parsePeers,
  peersField,
  type PeerEntry,
} from './payloads';
import { RouteRequests } from './route-requests';
import { Waterfall } from './waterfall';

/** Options of {@link MeshSocket.connect}. */
export interface ConnectOptions extends WaitOptions {
  /** The peer's id when known (from a peers list); skips the dial if it is already connected. */
  id?: string;
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
  /** Messages dropped from a full receive queue. */
  droppedMessages: number;
  /** Broadcasts ignored because they were older than 60 s (clock skew shows up here). */
  expiredBroadcasts: number;
  /** De-duplication entries evicted early because the set was full. */
  evictedSeen: number;
  /** Incoming or outgoing connections refused by a limit. */
  refusedConnections: number;
}

const MAX_STATUS_ERRORS = 32;
/** How long close() lets queued frames flush before destroying connections. */
const CLOSE_GRACE_MS = 1_000;
/** F7: a conflict winner closed by the peer this soon after the conflict means "re-dial once". */
const CONFLICT_REDIAL_WINDOW_MS = 5_000;

const WILDCARD_HOSTS = new Set(['0.0.0.0', '::', '']);
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '::1']);

/**
 * A mesh network node. Create one with {@link MeshSocket.listen}; `close()` it when done.
 *
 * @typeParam E - the event map; subclasses widen it with their own events.
 */
export class MeshSocket<E extends MeshEvents = MeshEvents> extends TypedEmitter<E> {
  /** The protocol a socket joins when none is given (PROTOCOL.md 4). Subclasses override it. */
  static readonly defaultProtocol: Protocol = new Protocol('mesh', 'Plaintext');

  readonly #options: MeshSocketOptions;
  readonly #limits: ResolvedLimits;
  readonly #clock: Clock;
  readonly #compression: readonly number[];
  readonly #maxOutgoing: number;
  #logger: Logger;
  #protocol!: Protocol;
  #id!: string;
  #outAddr!: readonly [string, number];
  #transport!: Transport;
  #listener: TransportListener | undefined;

  readonly #routing = new Map<string, MeshConnection>();
  readonly #awaiting = new Set<MeshConnection>();
  readonly #connections = new Set<MeshConnection>();
  readonly #waterfall: Waterfall;
  readonly #queue: MessageQueue<Message>;
  readonly #routes: RouteRequests;
  readonly #builtins: BuiltinHandler[] = [];
  #handlers: MessageHandler[] = [];
  readonly #pendingConnects = new Map<MeshConnection, { resolve: (p: PeerInfo) => void; reject: (e: P2PError) => void }>();
  /** Dials in flight by address; concurrent connect() calls to one address share a dial. */
  readonly #dials = new Map<string, DialEntry>();
  readonly #autoDialIds = new Set<string>();
  /** Connections closed because another one to the same peer won: no disconnect is reported. */
  readonly #replaced = new WeakSet<MeshConnection>();
  readonly #conflictWinners = new WeakMap<MeshConnection, number>();
  readonly #timers = new Set<TimerHandle>();
  readonly #errors: P2PError[] = [];
  readonly #ctx: ConnectionContext;
  #closing: Promise<void> | undefined;
  /** close() was called: public calls throw CLOSED, no new connections or dials. */
  #closeCalled = false;
  /** The extension's closing hook is done: incoming messages are ignored from now on. */
  #shuttingDown = false;
  #allClosed: (() => void) | undefined;
  #refusedConnections = 0;
  #extension: MeshExtension | undefined;
  #host: MeshHost | undefined;

  /**
   * Subclasses call this, then `start()`; users call {@link MeshSocket.listen}. Subclasses
   * register their built-in handlers in their constructor, after `super()`.
   */
  protected constructor(options: MeshSocketOptions = {}) {
    super();
    this.#options = { ...options };
    this.#limits = resolveLimits(options.limits);
    this.#clock = options.clock ?? systemClock;
    this.#logger = scopedLogger(options.logger, 'mesh');
    this.#maxOutgoing = options.maxOutgoing ?? DEFAULT_MAX_OUTGOING;
    this.#compression = Object.freeze((options.compression ?? DEFAULT_COMPRESSIONS).filter(isSupportedCompression));
    this.#waterfall = new Waterfall(this.#limits.maxSeen);
    this.#queue = new MessageQueue(this.#limits.maxQueue);
    this.#routes = new RouteRequests(this.#limits.maxPendingRequests, this.#clock);
    const self = this;
    this.#ctx = {
      get id() {
        return self.#id;
      },
      get protocol() {
        return self.#protocol;
      },
      compression: this.#compression,
      limits: this.#limits,
      clock: this.#clock,
      get logger() {
        return self.#logger;
      },
      nowSeconds: () => this.nowSeconds(),
      remember: (id, time) => this.#waterfall.remember(id, time, this.nowSeconds()),
      onMessage: (conn, wire) => this.#onMessage(conn, wire),
      onFailure: (conn, error) => this.#onFailure(conn, error),
      onClosed: (conn, reason) => this.#onClosed(conn, reason),
    };
    // PROTOCOL.md 4.7: py2p's built-in order is handshake, peers, response, request.
    this.addBuiltinHandler((msg, conn) => this.#handleHandshake(msg, conn));
    this.addBuiltinHandler((msg, conn) => this.#handlePeers(msg, conn));
    this.addBuiltinHandler((msg, conn) => this.#handleResponse(msg, conn));
    this.addBuiltinHandler((msg, conn) => this.#handleRequest(msg, conn));
  }

  /**
   * Binds, listens and returns a ready node.
   * @throws ListenFailedError (`LISTEN_FAILED`) when the address cannot be bound;
   *   TransportNotFoundError (`TRANSPORT_NOT_FOUND`) for an unregistered encryption.
   */
  static async listen(options: MeshSocketOptions = {}): Promise<MeshSocket> {
    return MeshSocket.open(new MeshSocket(options));
  }

  /**
   * Starts a freshly constructed socket and returns it: the one way a subclass writes its
   * `listen` (`return SyncSocket.open(new SyncSocket(options))`).
   */
  protected static async open<S extends MeshSocket<any>>(socket: S): Promise<S> {
    await socket.start();
    return socket;
  }

  /**
   * Resolves the protocol, binds the transport, and derives the out address and node id.
   * Called once, right after construction (subclass fields are initialised by then).
   */
  protected async start(): Promise<void> {
    const options = this.#options;
    const ctor = this.constructor as typeof MeshSocket;
    this.#protocol = this.resolveProtocol(options.protocol ?? ctor.defaultProtocol);
    this.#transport = options.transport ?? createTransport(this.#protocol.encryption, options.transportOptions);
    const host = options.host ?? '127.0.0.1';
    this.#listener = await this.#transport.listen({
      host,
      port: options.port ?? 0,
      onConnection: (connection) => this.#accept(connection),
      onError: (error) => this.emitError(error),
    });
    const bound = this.#listener.address;
    const outAddr = options.outAddr ?? [WILDCARD_HOSTS.has(host) ? lanAddress() : bound.host, bound.port];
    this.#outAddr = Object.freeze([outAddr[0], outAddr[1]] as [string, number]);
    this.#id = makeNodeId({ outAddr: this.#outAddr, protocolId: this.#protocol.id, salt: options.salt ?? randomSalt() });
    this.#logger = scopedLogger(options.logger, `mesh ${this.#id.slice(0, 8)}`);
    this.#logger.debug(`listening on ${bound.host}:${bound.port}, advertising ${this.#outAddr.join(':')}`);
    this.#extension?.started?.();
  }

  /**
   * Plugs a layer into this socket (see `extension.ts`): call it once, in the subclass
   * constructor right after `super()`. Returns the host through which the layer talks to mesh.
   * @throws InvalidArgumentError when called a second time
   */
  protected extend(extension: MeshExtension): MeshHost {
    if (this.#extension) throw new InvalidArgumentError('extend() may be called only once per socket');
    this.#extension = extension;
    for (const [sub, handler] of extension.handlers ?? []) {
      this.#builtins.push((msg, conn, wire) => (msg.packets[0] === sub ? handler(msg, conn, wire) : false));
    }
    this.#host = this.#makeHost();
    return this.#host;
  }

  #makeHost(): MeshHost {
    const self = this;
    return Object.freeze({
      get id() {
        return self.#id;
      },
      get protocol() {
        return self.#protocol;
      },
      get outAddr() {
        return self.#outAddr;
      },
      clock: this.#clock,
      get logger() {
        return self.#logger;
      },
      limits: this.#limits,
      maxOutgoing: this.#maxOutgoing,
      compression: this.#compression,
      peers: this.#routing,
      connections: () => [...this.#connections],
      get closed() {
        return self.#closeCalled;
      },
      nowSeconds: () => this.nowSeconds(),
      sendTo: (conn: MeshConnection, flag: number, type: number, packets: readonly unknown[]) => this.#sendOn(conn, flag, type, packets),
      broadcast: (type: number, packets: readonly unknown[]) => this.#sendToAll(MainFlags.broadcast, type, packets),
      resendHandshake: (conn: MeshConnection) => this.#writeHandshake(conn),
      sendPeers: (conn: MeshConnection) => this.sendPeers(conn),
      deliver: (message: Message) => this.deliver(message),
      reportError: (error: P2PError) => this.emitError(error),
    });
  }

  /**
   * The protocol this socket actually speaks, given the configured one. Sync overrides it to
   * append its leasing digit to the subnet (PROTOCOL.md 5.1). Called once by `start()`.
   */
  protected resolveProtocol(protocol: Protocol): Protocol {
    return protocol;
  }

  // ---------------------------------------------------------------- public state

  /** This node's id (base58 text). */
  get id(): string {
    return this.#id;
  }

  /** The address advertised to peers. */
  get outAddr(): readonly [string, number] {
    return this.#outAddr;
  }

  get protocol(): Protocol {
    return this.#protocol;
  }

  /** The address actually bound (with the real port when 0 was asked for). */
  get address(): Endpoint | undefined {
    return this.#listener?.address;
  }

  /** Peers that completed their handshake, by id (py2p's `routing_table`). */
  get peers(): ReadonlyMap<string, MeshConnection> {
    return this.#routing;
  }

  /** Connections still waiting for the peer's handshake (py2p's `awaiting_ids`). */
  get pendingConnections(): readonly MeshConnection[] {
    return [...this.#awaiting];
  }

  /** Ids of peers that dialed this node. */
  incomingIds(): string[] {
    return [...this.#routing].filter(([, c]) => !c.outgoing).map(([id]) => id);
  }

  /** Ids of peers this node dialed. */
  outgoingIds(): string[] {
    return [...this.#routing].filter(([, c]) => c.outgoing).map(([id]) => id);
  }

  /** `'Nominal'`, or the most recent errors (at most 32), oldest first. */
  get status(): 'Nominal' | readonly P2PError[] {
    return this.#errors.length === 0 ? 'Nominal' : Object.freeze([...this.#errors]);
  }

  get stats(): MeshStats {
    return {
      droppedMessages: this.#queue.dropped,
      expiredBroadcasts: this.#waterfall.expired,
      evictedSeen: this.#waterfall.evicted,
      refusedConnections: this.#refusedConnections,
    };
  }

  /** True once `close()` was called. */
  get closed(): boolean {
    return this.#closeCalled;
  }

  // ---------------------------------------------------------------- public calls

  /**
   * Dials `host:port` and resolves once the peer's handshake was accepted. Resolves with the
   * existing peer when it is already connected (by id or advertised address).
   *
   * Rejects with `CONNECT_FAILED`, `PROTOCOL_MISMATCH`, `SELF_CONNECT`, `LIMIT_EXCEEDED`,
   * `HANDSHAKE_TIMEOUT`, `TIMEOUT` (default: the handshake timeout), `ABORTED` or `CLOSED`.
   * Aborting stops the dial when no other caller waits for the same address.
   */
  async connect(host: string, port: number, options: ConnectOptions = {}): Promise<PeerInfo> {
    this.#assertOpen();
    if (typeof host !== 'string' || !Number.isInteger(port) || port < 0 || port > 65535) {
      throw new InvalidArgumentError('connect needs a host text and a port number', { details: { host, port } });
    }
    if (options.id !== undefined) {
      if (options.id === this.#id) throw new SelfConnectError('refusing to connect to this node itself', { details: { host, port } });
      const known = this.#routing.get(options.id);
      if (known) return peerInfo(known);
    }
    if (this.#isOwnAddress(host, port)) {
      throw new SelfConnectError(`${host}:${port} is this node's own address`, { details: { host, port } });
    }
    const key = addrKey(host, port);
    for (const conn of this.#routing.values()) {
      if (conn.peerAddr && addrKey(conn.peerAddr[0], conn.peerAddr[1]) === key) return peerInfo(conn);
    }
    if (options.signal?.aborted) throw new AbortError(`connect to ${host}:${port} was aborted`, { cause: options.signal.reason });
    const entry = this.#dials.get(key) ?? this.#startDial(host, port, key, options.timeout);
    entry.waiters++;
    const signal = options.signal;
    // A caller's abort cancels the dial itself only when nobody else waits for it.
    const onAbort = (): void => {
      if (entry.waiters === 1) entry.controller.abort(new AbortError(`connect to ${host}:${port} was aborted`, { cause: signal?.reason }));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      if (!signal) return await entry.promise;
      return await withDeadline(() => entry.promise, { signal, clock: this.#clock, what: `connect to ${host}:${port}` });
    } finally {
      entry.waiters--;
      signal?.removeEventListener('abort', onAbort);
    }
  }

  #startDial(host: string, port: number, key: string, timeout: number | undefined): DialEntry {
    const controller = new AbortController();
    const promise = withDeadline((signal) => this.#dial(host, port, signal), {
      signal: controller.signal,
      timeout: timeout ?? this.#limits.handshakeTimeout,
      clock: this.#clock,
      what: `connect to ${host}:${port}`,
    }).finally(() => {
      if (this.#dials.get(key) === entry) this.#dials.delete(key);
    });
    promise.catch(() => {});
    const entry: DialEntry = { promise, controller, waiters: 0 };
    this.#dials.set(key, entry);
    return entry;
  }

  /** Closes the connection to a peer (by id or connection). Unknown ids are ignored. */
  disconnect(peer: string | MeshConnection): void {
    const conn = typeof peer === 'string' ? this.#routing.get(peer) : peer;
    if (conn && this.#connections.has(conn)) conn.close();
  }

  /**
   * Sends `flag / type [...packets]` to every peer in the routing table. Everything is encoded
   * once before anything is written: `ENCODE_ERROR` means nothing was sent.
   * @throws EncodeError (`ENCODE_ERROR`), ClosedError (`CLOSED`), InvalidArgumentError
   */
  send(packets: readonly unknown[], options: SendOptions = {}): void {
    this.#assertOpen();
    if (!Array.isArray(packets)) throw new InvalidArgumentError('send takes an array of packets');
    const { flag = MainFlags.broadcast, type = SubFlags.broadcast } = options;
    this.#sendToAll(flag, type, packets);
  }

  /** The oldest received message, or undefined when none is waiting. */
  recv(): Message | undefined;
  recv(quantity: 1): Message | undefined;
  /** Up to `quantity` oldest messages (possibly none), as py2p's `recv(n)`. */
  recv(quantity: number): Message[];
  recv(quantity?: number): Message | undefined | Message[] {
    if (quantity === undefined || quantity === 1) return this.#queue.shift();
    if (!Number.isInteger(quantity) || quantity < 0) throw new InvalidArgumentError('recv quantity must be a non-negative integer');
    return this.#queue.take(quantity);
  }

  /**
   * Received messages as an async iterable. It takes from the same queue as `recv()` (each
   * message goes to one consumer) and ends on `close()` or when `signal` aborts.
   */
  messages(options: { signal?: AbortSignal } = {}): AsyncIterableIterator<Message> {
    return this.#queue.iterate(options.signal);
  }

  /**
   * Adds `handler` after the built-in ones; it runs for every non-renegotiate, non-duplicate
   * message and claims it by returning true. Returns a function that removes it.
   * @throws InvalidHandlerError (`INVALID_HANDLER`) unless `handler` takes exactly
   *   `(message, connection)` (py2p's rule; see `options.checkArity`).
   */
  registerHandler(handler: MessageHandler, options: RegisterHandlerOptions = {}): () => void {
    if (typeof handler !== 'function') throw new InvalidHandlerError('a handler must be a function');
    if ((options.checkArity ?? true) && handler.length !== 2) {
      throw new InvalidHandlerError(
        `a handler must take exactly (message, connection), this one declares ${handler.length} parameters`,
        { details: { length: handler.length } },
      );
    }
    this.#handlers = [...this.#handlers, handler];
    return () => {
      this.#handlers = this.#handlers.filter((h) => h !== handler);
    };
  }

  /** py2p's name for {@link registerHandler}. */
  register_handler(handler: MessageHandler, options?: RegisterHandlerOptions): () => void {
    return this.registerHandler(handler, options);
  }

  /** Asks every peer for its peer list (`whisper / request ["*"]`, `*` as bin). */
  requestPeers(): void {
    this.#assertOpen();
    for (const conn of this.#routing.values()) this.sendTo(conn, MainFlags.whisper, SubFlags.request, [WILDCARD_BIN]);
  }

  /** py2p's name for {@link requestPeers}. */
  request_peers(): void {
    this.requestPeers();
  }

  /**
   * Stops listening, lets queued frames flush briefly, then closes every connection and releases
   * every timer. Pending `connect()` and `reply()` calls reject with `CLOSED`. Safe to call
   * more than once.
   */
  close(): Promise<void> {
    this.#closeCalled = true;
    this.#closing ??= this.#closeOnce();
    return this.#closing;
  }

  async #closeOnce(): Promise<void> {
    try {
      await this.#extension?.closing?.();
    } catch (err) {
      this.emitError(new HandlerError('the extension closing hook failed', { cause: err }));
    }
    await this.#shutdown();
  }

  // ---------------------------------------------------------------- extension points

  /**
   * Adds a built-in handler. Mesh registers its own in its constructor; subclasses register
   * theirs in their constructor, so they run after mesh's and before any user handler.
   */
  protected addBuiltinHandler(handler: BuiltinHandler): void {
    this.#builtins.push(handler);
  }

  /**
   * Called right after this node sent its handshake on a connection, dialed or accepted (and
   * again whenever `sendHandshake` is called). Chord sends its meta here.
   */
  protected onHandshakeSent(_connection: MeshConnection): void {}

  /**
   * Called after a valid handshake from the peer was processed and our peers reply sent, on
   * every handshake (also repeated ones). Sync replays its data here.
   */
  protected onPeerHandshake(_connection: MeshConnection): void {}

  /**
   * Decides whether to dial a peer learned from a peers message (already filtered: not us, not
   * connected, not being dialed). Default: fewer than `maxOutgoing` outgoing peers, counting
   * dials in flight (PROTOCOL.md 4.4). Chord overrides it (6.6).
   */
  protected shouldAutoConnect(_peerId: string, _addr: readonly [string, number]): boolean {
    return this.outgoingIds().length + this.pendingAutoDials < this.#maxOutgoing;
  }

  /** Called when any connection closes, after it left the routing table. */
  protected onConnectionClosed(_connection: MeshConnection, _reason: P2PError | undefined): void {}

  /**
   * Sends `flag / type [...packets]` on one connection with a fresh timestamp, remembering the
   * id so an echo is ignored. Returns false under backpressure.
   * @throws EncodeError (`ENCODE_ERROR`)
   */
  protected sendTo(connection: MeshConnection, flag: number, type: number, packets: readonly unknown[]): boolean {
    const { packed, id } = this.#pack(flag, type, packets);
    return connection.writePacked(packed, id, flag);
  }

  /** Broadcasts `broadcast / type [...packets]` to every routed peer, packed once (F21). */
  protected broadcastInternal(type: number, packets: readonly unknown[]): void {
    this.#sendToAll(MainFlags.broadcast, type, packets);
  }

  /** Sends this node's handshake on `connection` (uncompressed), then calls `onHandshakeSent`. */
  protected sendHandshake(connection: MeshConnection): void {
    this.#writeHandshake(connection);
    this.onHandshakeSent(connection);
  }

  #writeHandshake(connection: MeshConnection): void {
    const payload = [SubFlags.handshake, ...handshakeFields(this.#id, this.#protocol.id, this.#outAddr, this.#compression)];
    const time = this.nowSeconds();
    const { packed, id } = packPacket({ type: MainFlags.whisper, sender: this.#id, time, payload });
    this.#waterfall.remember(id, time, time);
    connection.writePacked(packed, id, MainFlags.whisper, { uncompressed: true });
  }

  /** The first handshake on a new connection: the legacy hook, then the extension's. */
  #sendFirstHandshake(connection: MeshConnection): void {
    this.sendHandshake(connection);
    this.#extension?.handshakeSent?.(connection);
  }

  /** Sends `whisper / peers [...]`: every routed peer with a known address, in random order. */
  protected sendPeers(connection: MeshConnection): void {
    const entries: PeerEntry[] = [];
    for (const [id, conn] of this.#routing) if (conn.peerAddr) entries.push({ id, addr: [conn.peerAddr[0], conn.peerAddr[1]] });
    for (let i = entries.length - 1; i > 0; i--) {
      const j = Math.floor(Math.random() * (i + 1));
      [entries[i], entries[j]] = [entries[j]!, entries[i]!];
    }
    this.sendTo(connection, MainFlags.whisper, SubFlags.peers, peersField(entries));
  }

  /**
   * Forwards a received broadcast's original bytes (PROTOCOL.md 4.8) to every routed peer
   * except its originator and the neighbour it came from (F17), compressing once per method.
   */
  protected relay(wire: WireMessage, from: MeshConnection | undefined): void {
    const cache: FrameCache = new Map();
    for (const conn of this.#routing.values()) {
      if (conn === from || conn.peerId === wire.sender) continue;
      conn.writePacked(wire.packed, wire.id, wire.type, { cache, relay: true });
    }
  }

  /** Queues a message for `recv()` / `messages()` and emits `message`. */
  protected deliver(message: Message): void {
    this.#queue.push(message);
    this.#emit('message', message);
  }

  /** Records `error` in `status` and emits it as an `error` event. */
  protected emitError(error: P2PError): void {
    this.#errors.push(error);
    if (this.#errors.length > MAX_STATUS_ERRORS) this.#errors.shift();
    this.#logger.debug(`error ${error.code}: ${error.message}`);
    this.#emit('error', error);
  }

  /** Every connection, routed or waiting for its handshake. */
  protected get allConnections(): readonly MeshConnection[] {
    return [...this.#connections];
  }

  /** Automatic dials started from peers messages that have not finished yet. */
  protected get pendingAutoDials(): number {
    return this.#autoDialIds.size;
  }

  protected get clock(): Clock {
    return this.#clock;
  }

  protected get logger(): Logger {
    return this.#logger;
  }

  protected get limits(): ResolvedLimits {
    return this.#limits;
  }

  /** The compression methods this node advertises. */
  protected get supportedCompression(): readonly number[] {
    return this.#compression;
  }

  /** Whole seconds since the epoch from the injected clock (PROTOCOL.md 1.6). */
  protected nowSeconds(): number {
    return Math.floor(this.#clock.now() / 1000);
  }

  // ---------------------------------------------------------------- internals: connections

  #emit<K extends keyof MeshEvents>(event: K, ...args: MeshEvents[K]): void {
    (this as unknown as MeshSocket<MeshEvents>).emit(event, ...args);
  }

  #assertOpen(): void {
    if (this.#closeCalled) throw new ClosedError('the socket is closed');
  }

  #accept(transport: TransportConnection): void {
    if (this.#closeCalled) {
      transport.destroy();
      return;
    }
    const refusal = this.#admissionError('incoming');
    if (refusal) {
      transport.destroy();
      this.#refusedConnections++;
      this.emitError(refusal);
      return;
    }
    const conn = this.#adopt(transport, false);
    this.#logger.debug(`accepted ${transport.remote.host}:${transport.remote.port}`);
    // PROTOCOL.md 4.2: the accepting side speaks first, without waiting.
    this.#sendFirstHandshake(conn);
  }

  #admissionError(direction: 'incoming' | 'outgoing'): P2PError | undefined {
    const { maxConnections, maxPendingConnections } = this.#limits;
    if (this.#connections.size >= maxConnections) {
      return new LimitExceededError(`${direction} connection refused: ${maxConnections} connections open`, {
        details: { limit: 'maxConnections', value: maxConnections },
      });
    }
    if (this.#awaiting.size >= maxPendingConnections) {
      return new LimitExceededError(`${direction} connection refused: ${maxPendingConnections} handshakes pending`, {
        details: { limit: 'maxPendingConnections', value: maxPendingConnections },
      });
    }
    return undefined;
  }

  #adopt(transport: TransportConnection, outgoing: boolean): MeshConnection {
    const conn = new MeshConnection(this.#ctx, transport, outgoing);
    this.#connections.add(conn);
    this.#awaiting.add(conn);
    conn.startHandshakeTimer(() => {
      conn.fail(
        new HandshakeTimeoutError(`no handshake within ${this.#limits.handshakeTimeout} ms`, {
          details: { remote: conn.remote },
        }),
      );
    });
    return conn;
  }

  async #dial(host: string, port: number, signal: AbortSignal): Promise<PeerInfo> {
    const refusal = this.#admissionError('outgoing');
    if (refusal) {
      this.#refusedConnections++;
      throw refusal;
    }
    const transport = await this.#transport.dial({ host, port, signal });
    if (this.#closeCalled || signal.aborted) {
      transport.destroy();
      throw this.#closeCalled ? new ClosedError('the socket closed during connect') : toP2PError(signal.reason);
    }
    const conn = this.#adopt(transport, true);
    const result = new Promise<PeerInfo>((resolve, reject) => this.#pendingConnects.set(conn, { resolve, reject }));
    const onAbort = (): void => {
      this.#settleConnect(conn, toP2PError(signal.reason));
      conn.destroy(toP2PError(signal.reason));
    };
    signal.addEventListener('abort', onAbort, { once: true });
    this.#logger.debug(`dialed ${host}:${port}`);
    try {
      this.#sendFirstHandshake(conn);
      return await result;
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  }

  #settleConnect(conn: MeshConnection, outcome: PeerInfo | P2PError): void {
    const pending = this.#pendingConnects.get(conn);
    if (!pending) return;
    this.#pendingConnects.delete(conn);
    if (outcome instanceof P2PError) pending.reject(outcome);
    else pending.resolve(outcome);
  }

  #isOwnAddress(host: string, port: number): boolean {
    const bound = this.#listener?.address;
    if (addrKey(host, port) === addrKey(this.#outAddr[0], this.#outAddr[1])) return true;
    if (!bound || port !== bound.port) return false;
    if (addrKey(host, port) === addrKey(bound.host, bound.port)) return true;
    return LOOPBACK_HOSTS.has(host) && (WILDCARD_HOSTS.has(bound.host) || LOOPBACK_HOSTS.has(bound.host));
  }

  #onFailure(conn: MeshConnection, error: P2PError): void {
    this.#logger.debug(`dropping ${conn}: ${error.code} ${error.message}`);
    this.#settleConnect(conn, error);
    this.emitError(error);
  }

  #onClosed(conn: MeshConnection, reason: P2PError | undefined): void {
    this.#connections.delete(conn);
    this.#awaiting.delete(conn);
    this.#settleConnect(
      conn,
      reason ?? new ConnectFailedError('the connection closed before the peer handshake', { details: { remote: conn.remote } }),
    );
    const id = conn.peerId;
    const wasRouted = id !== undefined && this.#routing.get(id) === conn;
    if (wasRouted) this.#routing.delete(id);
    try {
      this.onConnectionClosed(conn, reason);
      this.#extension?.connectionClosed?.(conn, reason);
    } catch (err) {
      this.emitError(new HandlerError('onConnectionClosed threw', { cause: err }));
    }
    if (wasRouted && !this.#replaced.has(conn)) {
      this.#logger.debug(`peer ${id.slice(0, 8)} disconnected${reason ? `: ${reason.code}` : ''}`);
      this.#emit('peer:disconnect', peerInfo(conn), reason);
      if (!this.#closeCalled && !conn.closedLocally) {
        this.#maybeRedialAfterConflict(conn);
        // As py2p: after losing a peer, ask the others for theirs.
        if (this.#routing.size > 0) this.requestPeers();
      }
    }
    if (this.#connections.size === 0) this.#allClosed?.();
  }

  /** F7: a py2p peer may close both connections of a conflict; re-dial once after a short random delay. */
  #maybeRedialAfterConflict(conn: MeshConnection): void {
    const at = this.#conflictWinners.get(conn);
    const addr = conn.peerAddr;
    const id = conn.peerId;
    if (at === undefined || !addr || id === undefined || this.#clock.now() - at > CONFLICT_REDIAL_WINDOW_MS) return;
    const timer = this.#clock.setTimeout(() => {
      this.#timers.delete(timer);
      if (this.#closeCalled || this.#routing.has(id)) return;
      this.#logger.debug(`re-dialing ${id.slice(0, 8)} after a connection conflict`);
      this.connect(addr[0], addr[1], { id }).catch((err: unknown) => this.#logger.debug(`re-dial failed: ${String(err)}`));
    }, 100 + Math.floor(Math.random() * 400));
    this.#timers.add(timer);
  }

  #maybeAutoConnect(entry: PeerEntry): void {
    const { id, addr } = entry;
    if (this.#closeCalled || id === this.#id || this.#routing.has(id) || this.#autoDialIds.has(id)) return;
    if (this.#dials.has(addrKey(addr[0], addr[1])) || this.#isOwnAddress(addr[0], addr[1])) return;
    const byDefault = this.shouldAutoConnect(id, addr);
    const ext = this.#extension;
    if (!(ext?.shouldAutoConnect ? ext.shouldAutoConnect(id, addr, byDefault) : byDefault)) return;
    this.#autoDialIds.add(id);
    this.connect(addr[0], addr[1], { id })
      .catch((err: unknown) => this.#logger.debug(`automatic connect to ${addr.join(':')} failed: ${String(err)}`))
      .finally(() => this.#autoDialIds.delete(id));
  }

  async #shutdown(): Promise<void> {
    this.#shuttingDown = true;
    this.#logger.debug('closing');
    for (const timer of this.#timers) this.#clock.clearTimeout(timer);
    this.#timers.clear();
    const closed = new ClosedError('the socket is closed');
    this.#routes.rejectAll(closed);
    for (const conn of [...this.#pendingConnects.keys()]) this.#settleConnect(conn, closed);
    for (const dial of this.#dials.values()) dial.controller.abort(closed);
    const listenerClosed = this.#listener?.close();
    const allClosed = new Promise<void>((resolve) => {
      this.#allClosed = resolve;
    });
    if (this.#connections.size === 0) this.#allClosed?.();
    for (const conn of [...this.#connections]) conn.close();
    let grace: TimerHandle | undefined;
    await Promise.race([allClosed, new Promise<void>((resolve) => (grace = this.#clock.setTimeout(resolve, CLOSE_GRACE_MS)))]);
    this.#clock.clearTimeout(grace);
    for (const conn of [...this.#connections]) conn.destroy();
    await allClosed;
    await listenerClosed;
    // Dials still resolving see #closing and destroy what they get.
    await Promise.allSettled([...this.#dials.values()].map((d) => d.promise));
    this.#queue.close();
    this.#waterfall.clear();
    try {
      this.#extension?.closed?.();
    } catch (err) {
      this.emitError(new HandlerError('the extension closed hook failed', { cause: err }));
    }
    this.#logger.debug('closed');
    this.#emit('close');
  }

  // ---------------------------------------------------------------- internals: messages

  #pack(flag: number, type: number, packets: readonly unknown[]): { packed: Uint8Array; id: Uint8Array; time: number } {
    // One timestamp per logical send (F21); the id is remembered so echoes are dropped (4.6).
    const time = this.nowSeconds();
    const result = packPacket({ type: flag, sender: this.#id, time, payload: [type, ...packets] });
    this.#waterfall.remember(result.id, time, time);
    return { ...result, time };
  }

  #sendToAll(flag: number, type: number, packets: readonly unknown[]): SentMessage {
    const { packed, id, time } = this.#pack(flag, type, packets);
    const cache: FrameCache = new Map();
    let written = 0;
    for (const conn of [...this.#routing.values()]) {
      if (conn.closed) continue;
      conn.writePacked(packed, id, flag, { cache });
      written++;
    }
    return { id, time, written };
  }

  #sendOn(conn: MeshConnection, flag: number, type: number, packets: readonly unknown[]): SentMessage {
    const { packed, id, time } = this.#pack(flag, type, packets);
    const open = !conn.closed;
    conn.writePacked(packed, id, flag);
    return { id, time, written: open ? 1 : 0 };
  }

  #onMessage(conn: MeshConnection, wire: WireMessage): void {
    if (this.#shuttingDown) return;
    // PROTOCOL.md 1.4 step 4: an empty payload is accepted and ignored.
    if (wire.payload.length === 0) return;
    // 4.7 step 1
    if (wire.type === MainFlags.renegotiate) {
      this.#handleRenegotiate(conn, wire);
      return;
    }
    // 4.7 step 2 / 4.8
    if (wire.type === MainFlags.broadcast) {
      if (this.#waterfall.admit(wire.id, wire.time, this.nowSeconds()) !== 'new') return;
      this.relay(wire, conn);
    }
    const message = new Message({
      wire,
      protocol: this.#protocol,
      socket: this,
      reply: (packets) => this.#reply(wire.sender, packets),
    });
    // 4.7 step 3: built-in handlers, then user handlers; the first to return true claims it.
    for (const handler of this.#builtins) {
      if (this.#runHandler(() => handler(message, conn, wire), conn, wire)) return;
    }
    for (const handler of this.#handlers) {
      if (this.#runHandler(() => handler(message, conn), conn, wire)) return;
    }
    // 4.7 step 4
    const sub = wire.payload[0];
    if (sub === SubFlags.broadcast || sub === SubFlags.whisper) this.deliver(message);
  }

  /** Runs one handler; an exception is reported (F10: the connection stays) and claims the message. */
  #runHandler(run: () => boolean | void, conn: MeshConnection, wire: WireMessage): boolean {
    try {
      return run() === true;
    } catch (err) {
      this.emitError(
        err instanceof P2PError && err.code === 'BAD_MESSAGE'
          ? err
          : new HandlerError(`a message handler threw: ${err instanceof Error ? err.message : String(err)}`, {
              cause: err,
              details: { peer: conn.peerId, sender: wire.sender, subFlag: wire.payload[0] },
            }),
      );
      return true;
    }
  }

  #handleRenegotiate(conn: MeshConnection, wire: WireMessage): void {
    const [sub, value] = wire.payload;
    if (sub === SubFlags.compression) {
      const list = parseCompressionList(value);
      if (!list) {
        this.emitError(new BadMessageError('renegotiation with a malformed compression list', { details: { peer: conn.peerId } }));
        return;
      }
      const changed = !sameList(list, conn.compression);
      conn.setCompression(list);
      // 1.7.5: answer only a change, with my supported ∩ theirs in my order.
      if (changed) this.sendTo(conn, MainFlags.renegotiate, SubFlags.compression, [negotiateReply(this.#compression, list)]);
    } else if (sub === SubFlags.resend) {
      conn.resendLast();
    }
  }

  #handleHandshake(message: Message, conn: MeshConnection): boolean {
    if (message.packets[0] !== SubFlags.handshake) return false;
    const hs = parseHandshake(message.packets);
    // Other lengths are not mesh handshakes (chord meta has 2 fields, F14).
    if (hs === undefined) return false;
    if (hs === 'invalid') {
      const err = new BadMessageError('malformed handshake', { details: { remote: conn.remote } });
      if (conn.peerId === undefined) conn.fail(err);
      else this.emitError(err);
      return true;
    }
    if (hs.protocolId !== this.#protocol.id) {
      // 4.3 step 1 (F4): close, nothing on the wire, but tell the user.
      conn.fail(
        new ProtocolMismatchError(`peer speaks protocol ${hs.protocolId}, this node ${this.#protocol.id}`, {
          details: { peer: hs.id, theirs: hs.protocolId, ours: this.#protocol.id, remote: conn.remote },
        }),
      );
      return true;
    }
    if (hs.id === this.#id) {
      const err = new SelfConnectError('connected to this node itself', { details: { remote: conn.remote } });
      this.#settleConnect(conn, err);
      conn.destroy(err);
      return true;
    }
    if (conn.peerId !== undefined && conn.peerId !== hs.id && this.#routing.get(conn.peerId) === conn) {
      // The same link now claims another id: forget the old one.
      this.#routing.delete(conn.peerId);
      this.#emit('peer:disconnect', peerInfo(conn), undefined);
    }
    const existing = this.#routing.get(hs.id);
    let replacing = false;
    if (existing && existing !== conn) {
      const verdict = resolveConflict(
        this.#id,
        hs.id,
        { outgoing: existing.outgoing, remoteHost: existing.remote.host },
        { outgoing: conn.outgoing, remoteHost: conn.remote.host },
      );
      this.#logger.debug(`connection conflict with ${hs.id.slice(0, 8)}: ${verdict}`);
      if (verdict === 'keep-existing') {
        // F7: close only the loser and never file or send on it.
        this.#replaced.add(conn);
        this.#awaiting.delete(conn);
        this.#conflictWinners.set(existing, this.#clock.now());
        this.#settleConnect(conn, peerInfo(existing));
        conn.close();
        return true;
      }
      this.#replaced.add(existing);
      this.#conflictWinners.set(conn, this.#clock.now());
      existing.close();
      replacing = true;
    }
    const isNewPeer = !replacing && conn.peerId !== hs.id;
    conn.setPeer(hs.id, hs.addr, hs.compression);
    this.#awaiting.delete(conn);
    const wasEmpty = this.#routing.size === 0;
    this.#routing.set(hs.id, conn);
    // 4.3 step 5: exactly one peers message per handshake received.
    this.sendPeers(conn);
    this.onPeerHandshake(conn);
    this.#extension?.peerHandshake?.(conn);
    const info = peerInfo(conn);
    this.#settleConnect(conn, info);
    if (isNewPeer) this.#logger.debug(`peer ${hs.id.slice(0, 8)} connected (${conn.outgoing ? 'outgoing' : 'incoming'})`);
    if (wasEmpty) this.#emit('connect');
    if (isNewPeer) this.#emit('peer:connect', info);
    return true;
  }

  #handlePeers(message: Message, _conn: MeshConnection): boolean {
    if (message.packets[0] !== SubFlags.peers) return false;
    const entries = parsePeers(message.packets, this.#limits.maxPeersPerList);
    if (!entries) throw new BadMessageError('malformed peers message', { details: { sender: message.sender } });
    for (const entry of entries) this.#maybeAutoConnect(entry);
    return true;
  }

  #handleRequest(message: Message, conn: MeshConnection): boolean {
    const packets = message.packets;
    if (packets[0] !== SubFlags.request) return false;
    // Peer-table request: `*` as str (py2p) or bin (TS, js2p) (F13).
    if (packets.length === 2 && isWildcard(packets[1])) {
      this.sendPeers(conn);
      return true;
    }
    // Route request (4.9 step 2): answer if the target is a neighbour, on the link it came by.
    if (packets.length >= 3) {
      const target = idText(packets[2]);
      const known = target === undefined ? undefined : this.#routing.get(target);
      if (known?.peerAddr && known !== conn) {
        const [host, port] = known.peerAddr;
        this.sendTo(conn, MainFlags.broadcast, SubFlags.response, [packets[1], [[host, port], packets[2]]]);
      }
    }
    return true;
  }

  #handleResponse(message: Message, _conn: MeshConnection): boolean {
    const packets = message.packets;
    if (packets[0] !== SubFlags.response) return false;
    const requestId = idText(packets[1]);
    const route = requestId === undefined ? undefined : this.#routes.claim(requestId);
    if (!route || requestId === undefined) return true;
    const body = packets[2];
    const addr = Array.isArray(body) ? parseAddr(body[0]) : undefined;
    if (!addr) {
      this.#routes.settle(requestId, new BadMessageError('malformed route response', { details: { sender: message.sender } }));
      return true;
    }
    // 4.9 step 3: connect, then whisper the stored reply right after the handshake.
    this.connect(addr[0], addr[1], { id: route.target }).then(
      () => {
        const conn = this.#routing.get(route.target);
        if (!conn) {
          this.#routes.settle(requestId, new ConnectFailedError(`${addr.join(':')} is not ${route.target}`));
          return;
        }
        try {
          this.sendTo(conn, MainFlags.whisper, SubFlags.whisper, route.packets);
          this.#routes.settle(requestId);
        } catch (err) {
          this.#routes.settle(requestId, toP2PError(err));
        }
      },
      (err: unknown) => this.#routes.settle(requestId, toP2PError(err)),
    );
    return true;
  }

  async #reply(target: string, packets: readonly unknown[]): Promise<void> {
    this.#assertOpen();
    const conn = this.#routing.get(target);
    if (conn) {
      this.sendTo(conn, MainFlags.whisper, SubFlags.whisper, packets);
      return;
    }
    // Fail on unencodable values now, not after a route was found.
    packPacket({ type: MainFlags.whisper, sender: this.#id, time: 0, payload: [SubFlags.whisper, ...packets] });
    const requestId = this.#routes.newRequestId(this.#id, this.nowSeconds());
    const done = this.#routes.add(requestId, target, [...packets], this.#limits.replyRouteTimeout);
    this.#logger.debug(`routing a reply to ${target.slice(0, 8)} (request ${requestId.slice(0, 8)})`);
    this.broadcastInternal(SubFlags.request, [requestId, idBin(target)]);
    return done;
  }
}

interface DialEntry {
  promise: Promise<PeerInfo>;
  controller: AbortController;
  /** connect() calls waiting on it. */
  waiters: number;
}

function peerInfo(conn: MeshConnection): PeerInfo {
  return Object.freeze({
    id: conn.peerId!,
    addr: conn.peerAddr!,
    outgoing: conn.outgoing,
    remote: conn.remote,
    connection: conn,
  });
}

function sameList(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

function toP2PError(err: unknown): P2PError {
  if (err instanceof P2PError) return err;
  return new P2PError('INTERNAL', err instanceof Error ? err.message : String(err), { cause: err });
}
