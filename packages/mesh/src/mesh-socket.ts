/**
 * The mesh socket (PROTOCOL.md section 4): an unstructured network where every node keeps a few
 * connections, floods broadcasts with de-duplication, whispers to neighbours and routes replies
 * to non-neighbours. This file is the facade and the lifecycle; the parts live in peer-table,
 * dialer, peer-exchange (with the pure handshake decision), dispatcher, reply-router and sender.
 * Layers above (sync, chord) plug in through {@link MeshSocket.extend} (extension.ts).
 */
import {
  ClosedError,
  DEFAULT_COMPRESSIONS,
  ConnectFailedError,
  HandlerError,
  HandshakeTimeoutError,
  InvalidArgumentError,
  MainFlags,
  Protocol,
  SubFlags,
  TypedEmitter,
  createTransport,
  isSupportedCompression,
  lanAddress,
  makeNodeId,
  randomSalt,
  scopedLogger,
  systemClock,
  type Clock,
  type Endpoint,
  type Logger,
  type Message,
  type P2PError,
  type TimerHandle,
  type Transport,
  type TransportConnection,
  type TransportListener,
  type WireMessage,
} from '@p2p/base';
import type { MeshContext } from './context';
import { Dialer, type ConnectOptions } from './dialer';
import { Dispatcher } from './dispatcher';
import { InvalidHandlerError } from './errors';
import type { BuiltinHandler, MeshEvents, MessageHandler, PeerInfo } from './events';
import type { MeshExtension, MeshHost } from './extension';
import { addrKey } from './ids';
import { Link, type LinkContext } from './link';
import { linkOf, type MeshConnection } from './mesh-connection';
import { MessageQueue } from './message-queue';
import { DEFAULT_MAX_OUTGOING, resolveLimits, type MeshSocketOptions, type ResolvedLimits } from './options';
import { WILDCARD_BIN } from './payloads';
import { PeerExchange } from './peer-exchange';
import { PeerTable, peerInfo } from './peer-table';
import { ReplyRouter } from './reply-router';
import { Sender } from './sender';
import { Waterfall } from './waterfall';

export type { ConnectOptions } from './dialer';

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
  readonly #ctx: MeshContext;
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

  readonly #table: PeerTable;
  readonly #waterfall: Waterfall;
  readonly #queue: MessageQueue<Message>;
  readonly #sender: Sender;
  readonly #dialer: Dialer;
  readonly #dispatcher: Dispatcher;
  readonly #exchange: PeerExchange;
  readonly #router: ReplyRouter;
  readonly #linkCtx: LinkContext;
  #handlers: MessageHandler[] = [];
  readonly #errors: P2PError[] = [];
  #extension: MeshExtension | undefined;

  /** close() or destroy() was called: public calls throw CLOSED, no new connections or dials. */
  #closeCalled = false;
  /** Shutdown began (after the extension's `closing`): incoming messages are ignored. */
  #stopped = false;
  /** destroy() was called: connections are dropped without a grace period. */
  #abrupt = false;
  #closing: Promise<void> | undefined;
  #allClosed: (() => void) | undefined;
  #cutGrace: (() => void) | undefined;

  /**
   * Subclasses call this, then `extend()` once; users call {@link MeshSocket.listen}. A layer
   * transforms `options.protocol` before passing it (as sync appends its leasing digit).
   */
  protected constructor(options: MeshSocketOptions = {}) {
    super();
    this.#options = { ...options };
    this.#limits = resolveLimits(options.limits);
    this.#clock = options.clock ?? systemClock;
    this.#logger = scopedLogger(options.logger, 'mesh');
    this.#maxOutgoing = options.maxOutgoing ?? DEFAULT_MAX_OUTGOING;
    this.#compression = Object.freeze((options.compression ?? DEFAULT_COMPRESSIONS).filter(isSupportedCompression));
    const self = this;
    this.#ctx = {
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
      compression: this.#compression,
      maxOutgoing: this.#maxOutgoing,
      get closed() {
        return self.#closeCalled;
      },
      nowSeconds: () => this.nowSeconds(),
      report: (error) => this.#report(error),
      emit: (event, ...args) => (this as unknown as MeshSocket<MeshEvents>).emit(event, ...args),
    };
    const ctx = this.#ctx;
    this.#table = new PeerTable(this.#limits);
    this.#waterfall = new Waterfall(this.#limits.maxSeen);
    this.#queue = new MessageQueue(this.#limits.maxQueue);
    this.#sender = new Sender(ctx, this.#table, this.#waterfall);
    this.#dialer = new Dialer({
      ctx,
      table: this.#table,
      transport: () => this.#transport,
      isOwnAddress: (host, port) => this.#isOwnAddress(host, port),
      adopt: (transport, outgoing) => this.#adopt(transport, outgoing),
      greet: (link) => this.#greet(link),
    });
    this.#exchange = new PeerExchange({
      ctx,
      table: this.#table,
      dialer: this.#dialer,
      sender: this.#sender,
      peerHandshake: (link) => {
        this.onPeerHandshake(link.connection);
        this.#extension?.peerHandshake?.(link.connection);
      },
      shouldAutoConnect: (id, addr) => {
        const byDefault = this.shouldAutoConnect(id, addr);
        const decide = this.#extension?.shouldAutoConnect;
        return decide ? decide(id, addr, byDefault) : byDefault;
      },
    });
    this.#router = new ReplyRouter({ ctx, table: this.#table, sender: this.#sender, dialer: this.#dialer });
    this.#dispatcher = new Dispatcher({
      ctx,
      waterfall: this.#waterfall,
      sender: this.#sender,
      socket: this,
      reply: (target, packets) => this.#reply(target, packets),
      deliver: (message) => this.deliver(message),
      userHandlers: () => this.#handlers,
      stopped: () => this.#stopped,
    });
    // PROTOCOL.md 4.7: py2p's built-in order is handshake, peers, response, request.
    this.#dispatcher.on(SubFlags.handshake, this.#exchange.onHandshake);
    this.#dispatcher.on(SubFlags.peers, this.#exchange.onPeers);
    this.#dispatcher.on(SubFlags.response, this.#router.onResponse);
    this.#dispatcher.on(SubFlags.request, this.#router.onRequest);
    this.#linkCtx = {
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
      pack: (flag, type, packets) => this.#sender.pack(flag, type, packets),
      onMessage: (link, wire) => this.#dispatcher.dispatch(link, wire),
      onFailure: (link, error) => this.#onFailure(link, error),
      onClosed: (link, reason) => this.#onClosed(link, reason),
    };
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
   * Binds the transport and derives the out address and node id, then calls the extension's
   * `started`. Called once, by {@link MeshSocket.open}.
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
      onError: (error) => this.#report(error),
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
   * Plugs a layer into this socket (see extension.ts): call it once, in the subclass
   * constructor right after `super()`, and keep the returned host.
   * @throws InvalidArgumentError (`INVALID_ARGUMENT`) when called a second time
   */
  protected extend(extension: MeshExtension): MeshHost {
    if (this.#extension) throw new InvalidArgumentError('extend() may be called only once per socket');
    this.#extension = extension;
    for (const [sub, handler] of extension.handlers ?? []) {
      this.#dispatcher.on(sub, (message, link, wire) => handler(message, link.connection, wire));
    }
    const self = this;
    const sender = this.#sender;
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
      peers: this.#table.peers,
      connections: () => this.#table.links().map((l) => l.connection),
      get closed() {
        return self.#closeCalled;
      },
      nowSeconds: () => this.nowSeconds(),
      sendTo: (conn, flag, type, packets) => {
        const { id, time, written } = sender.sendTo(linkOf(conn), flag, type, packets);
        return { id, time, written };
      },
      broadcast: (type, packets) => sender.sendToAll(MainFlags.broadcast, type, packets),
      resendHandshake: (conn) => sender.handshake(linkOf(conn)),
      sendPeers: (conn) => sender.peers(linkOf(conn)),
      malformed: (conn, wire, error) => this.#dispatcher.malformed(linkOf(conn), wire, error, true),
      deliver: (message) => this.deliver(message),
      reportError: (error) => this.#report(error),
    } satisfies MeshHost);
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
    return this.#table.peers;
  }

  /** Connections still waiting for the peer's handshake (py2p's `awaiting_ids`). */
  get pendingConnections(): readonly MeshConnection[] {
    return this.#table.pending().map((l) => l.connection);
  }

  /** Ids of peers that dialed this node. */
  incomingIds(): string[] {
    return this.#table.ids(false);
  }

  /** Ids of peers this node dialed. */
  outgoingIds(): string[] {
    return this.#table.ids(true);
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
      refusedConnections: this.#table.refused,
    };
  }

  /** True once `close()` or `destroy()` was called. */
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
    return this.#dialer.connect(host, port, options);
  }

  /** Closes the connection to a peer (by id or connection). Unknown ids are ignored. */
  disconnect(peer: string | MeshConnection): void {
    const link = typeof peer === 'string' ? this.#table.get(peer) : linkOf(peer);
    if (link && this.#table.has(link)) link.close();
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
    this.#sender.sendToAll(flag, type, packets);
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
    for (const link of this.#table.routed()) this.#sender.sendTo(link, MainFlags.whisper, SubFlags.request, [WILDCARD_BIN]);
  }

  /** py2p's name for {@link requestPeers}. */
  request_peers(): void {
    this.requestPeers();
  }

  /**
   * Awaits the extension's `closing`, stops listening, lets queued frames flush briefly, then
   * closes every connection and releases every timer. Pending `connect()` and `reply()` calls
   * reject with `CLOSED`. Safe to call more than once.
   */
  close(): Promise<void> {
    this.#closeCalled = true;
    this.#closing ??= this.#shutdown();
    return this.#closing;
  }

  /**
   * Closes abruptly, as a crash looks to peers: every connection is destroyed at once without
   * flushing, the listener closes, timers are released, pending `connect()` and `reply()`
   * calls reject with `CLOSED`, and `close` is emitted. Resolves when everything is released.
   * Safe to call twice, or during or after `close()` (it then cuts the grace period short).
   */
  destroy(): Promise<void> {
    this.#abrupt = true;
    this.#closeCalled = true;
    this.#cutGrace?.();
    this.#closing ??= this.#shutdown();
    return this.#closing;
  }

  // ---------------------------------------------------------------- deprecated subclass surface

  /**
   * @deprecated Pass `handlers` to {@link extend}. Adds a built-in handler for any sub-flag,
   * run after mesh's and the extension's.
   */
  protected addBuiltinHandler(handler: BuiltinHandler): void {
    this.#dispatcher.addLegacy(handler);
  }

  /** @deprecated Use the extension's `handshakeSent`. Also called by `sendHandshake`. */
  protected onHandshakeSent(_connection: MeshConnection): void {}

  /** @deprecated Use the extension's `peerHandshake`. */
  protected onPeerHandshake(_connection: MeshConnection): void {}

  /**
   * Mesh's automatic-dial rule: fewer than `maxOutgoing` outgoing peers, counting dials in
   * flight (PROTOCOL.md 4.4). The extension's `shouldAutoConnect` gets it as `byDefault`.
   * @deprecated as an override point: use the extension's `shouldAutoConnect`.
   */
  protected shouldAutoConnect(_peerId: string, _addr: readonly [string, number]): boolean {
    return this.outgoingIds().length + this.#dialer.pendingAutoDials < this.#maxOutgoing;
  }

  /** @deprecated Use the extension's `connectionClosed`. */
  protected onConnectionClosed(_connection: MeshConnection, _reason: P2PError | undefined): void {}

  /** @deprecated Use `MeshHost.sendTo`. Returns false under backpressure. */
  protected sendTo(connection: MeshConnection, flag: number, type: number, packets: readonly unknown[]): boolean {
    return this.#sender.sendTo(linkOf(connection), flag, type, packets).fast;
  }

  /** @deprecated Use `MeshHost.broadcast`. */
  protected broadcastInternal(type: number, packets: readonly unknown[]): void {
    this.#sender.sendToAll(MainFlags.broadcast, type, packets);
  }

  /** @deprecated Use `MeshHost.resendHandshake`. Sends the handshake, then calls `onHandshakeSent`. */
  protected sendHandshake(connection: MeshConnection): void {
    this.#sender.handshake(linkOf(connection));
    this.onHandshakeSent(connection);
  }

  /** @deprecated Use `MeshHost.sendPeers`. */
  protected sendPeers(connection: MeshConnection): void {
    this.#sender.peers(linkOf(connection));
  }

  /** @deprecated Forwards a received broadcast's original bytes (4.8); mesh relays by itself. */
  protected relay(wire: WireMessage, from: MeshConnection | undefined): void {
    this.#sender.relay(wire, from && linkOf(from));
  }

  /** Queues a message for `recv()` / `messages()` and emits `message` (`MeshHost.deliver`). */
  protected deliver(message: Message): void {
    this.#queue.push(message);
    (this as unknown as MeshSocket<MeshEvents>).emit('message', message);
  }

  /** @deprecated Use `MeshHost.reportError`. */
  protected emitError(error: P2PError): void {
    this.#report(error);
  }

  /** @deprecated Use `MeshHost.connections()`. */
  protected get allConnections(): readonly MeshConnection[] {
    return this.#table.links().map((l) => l.connection);
  }

  /** @deprecated Automatic dials in flight (counted by `shouldAutoConnect`). */
  protected get pendingAutoDials(): number {
    return this.#dialer.pendingAutoDials;
  }

  /** @deprecated Use `MeshHost.clock`. */
  protected get clock(): Clock {
    return this.#clock;
  }

  /** @deprecated Use `MeshHost.logger`. */
  protected get logger(): Logger {
    return this.#logger;
  }

  /** @deprecated Use `MeshHost.limits`. */
  protected get limits(): ResolvedLimits {
    return this.#limits;
  }

  /** @deprecated Use `MeshHost.compression`. */
  protected get supportedCompression(): readonly number[] {
    return this.#compression;
  }

  /** @deprecated Transform `options.protocol` before `super()` instead. */
  protected resolveProtocol(protocol: Protocol): Protocol {
    return protocol;
  }

  /** Whole seconds since the epoch from the injected clock (PROTOCOL.md 1.6; `MeshHost.nowSeconds`). */
  protected nowSeconds(): number {
    return Math.floor(this.#clock.now() / 1000);
  }

  // ---------------------------------------------------------------- internals

  #report(error: P2PError): void {
    this.#errors.push(error);
    if (this.#errors.length > MAX_STATUS_ERRORS) this.#errors.shift();
    this.#logger.debug(`error ${error.code}: ${error.message}`);
    (this as unknown as MeshSocket<MeshEvents>).emit('error', error);
  }

  #assertOpen(): void {
    if (this.#closeCalled) throw new ClosedError('the socket is closed');
  }

  async #reply(target: string, packets: readonly unknown[]): Promise<void> {
    this.#assertOpen();
    return this.#router.reply(target, packets);
  }

  #accept(transport: TransportConnection): void {
    if (this.#closeCalled) {
      transport.destroy();
      return;
    }
    const refusal = this.#table.admit('incoming');
    if (refusal) {
      transport.destroy();
      this.#report(refusal);
      return;
    }
    const link = this.#adopt(transport, false);
    this.#logger.debug(`accepted ${transport.remote.host}:${transport.remote.port}`);
    // PROTOCOL.md 4.2: the accepting side speaks first, without waiting.
    this.#greet(link);
  }

  #adopt(transport: TransportConnection, outgoing: boolean): Link {
    const link = new Link(this.#linkCtx, transport, outgoing);
    this.#table.add(link);
    link.startHandshakeTimer(() => {
      link.fail(new HandshakeTimeoutError(`no handshake within ${this.#limits.handshakeTimeout} ms`, { details: { remote: link.remote } }));
    });
    return link;
  }

  /** The first handshake on a new link, then the hooks that follow it. */
  #greet(link: Link): void {
    this.sendHandshake(link.connection);
    this.#extension?.handshakeSent?.(link.connection);
  }

  #isOwnAddress(host: string, port: number): boolean {
    const bound = this.#listener?.address;
    if (addrKey(host, port) === addrKey(this.#outAddr[0], this.#outAddr[1])) return true;
    if (!bound || port !== bound.port) return false;
    if (addrKey(host, port) === addrKey(bound.host, bound.port)) return true;
    return LOOPBACK_HOSTS.has(host) && (WILDCARD_HOSTS.has(bound.host) || LOOPBACK_HOSTS.has(bound.host));
  }

  #onFailure(link: Link, error: P2PError): void {
    this.#logger.debug(`dropping ${link}: ${error.code} ${error.message}`);
    this.#dialer.settle(link, error);
    this.#report(error);
  }

  #onClosed(link: Link, reason: P2PError | undefined): void {
    this.#table.remove(link);
    this.#dialer.settle(
      link,
      reason ?? new ConnectFailedError('the connection closed before the peer handshake', { details: { remote: link.remote } }),
    );
    const id = link.peerId;
    const wasRouted = id !== undefined && this.#table.unfile(id, link);
    try {
      this.onConnectionClosed(link.connection, reason);
      this.#extension?.connectionClosed?.(link.connection, reason);
    } catch (err) {
      this.#report(new HandlerError('a connection-closed hook threw', { cause: err }));
    }
    if (wasRouted && !this.#exchange.wasReplaced(link)) {
      this.#logger.debug(`peer ${id.slice(0, 8)} disconnected${reason ? `: ${reason.code}` : ''}`);
      this.#ctx.emit('peer:disconnect', peerInfo(link), reason);
      if (!this.#closeCalled && !link.closedLocally) {
        this.#dialer.redialAfterConflict(link);
        // As py2p: after losing a peer, ask the others for theirs.
        if (this.#table.size > 0) this.requestPeers();
      }
    }
    if (this.#table.linkCount === 0) this.#allClosed?.();
  }

  async #shutdown(): Promise<void> {
    const closing = this.#extension?.closing;
    if (closing && !this.#abrupt) {
      try {
        await closing.call(this.#extension);
      } catch (err) {
        this.#report(new HandlerError('the extension closing hook threw', { cause: err }));
      }
    }
    this.#stopped = true;
    this.#logger.debug(this.#abrupt ? 'destroying' : 'closing');
    const closed = new ClosedError('the socket is closed');
    this.#dialer.stop(closed);
    this.#router.stop(closed);
    const listenerClosed = this.#listener?.close();
    const allClosed = new Promise<void>((resolve) => (this.#allClosed = resolve));
    if (this.#table.linkCount === 0) this.#allClosed?.();
    if (!this.#abrupt) {
      for (const link of this.#table.links()) link.close();
      let grace: TimerHandle | undefined;
      const cut = new Promise<void>((resolve) => (this.#cutGrace = resolve));
      await Promise.race([allClosed, cut, new Promise<void>((resolve) => (grace = this.#clock.setTimeout(resolve, CLOSE_GRACE_MS)))]);
      this.#clock.clearTimeout(grace);
      this.#cutGrace = undefined;
    }
    for (const link of this.#table.links()) link.destroy();
    await allClosed;
    await listenerClosed;
    // Dials still resolving see `closed` and destroy what they get.
    await this.#dialer.idle();
    this.#queue.close();
    this.#waterfall.clear();
    try {
      this.#extension?.closed?.();
    } catch (err) {
      this.#report(new HandlerError('the extension closed hook threw', { cause: err }));
    }
    this.#logger.debug('closed');
    (this as unknown as MeshSocket<MeshEvents>).emit('close');
  }
}
