/**
 * The mesh socket (PROTOCOL.md section 4): an unstructured network where every node keeps a few
 * connections, floods broadcasts with de-duplication, whispers to neighbours and routes replies
 * to non-neighbours. This file is the facade and the lifecycle; the parts live in peer-table,
 * dialer, peer-exchange (with the pure handshake decision), dispatcher, reply-router and sender.
 * Layers above (sync, chord) plug in through {@link MeshSocket.extend} (extension.ts).
 */
import {
  AbortError,
  ClosedError,
  HandlerError,
  InvalidArgumentError,
  MainFlags,
  Protocol,
  SubFlags,
  TypedEmitter,
  makeNodeId,
  randomSalt,
  scopedLogger,
  type Endpoint,
  type Identity,
  type Message,
  type P2PError,
} from '@p2p/base';
import { AUTH_SUBFLAG } from './auth-handshake';
import { createContext, type MeshContext, type Mutable } from './context';
import { Dialer, type ConnectOptions } from './dialer';
import { Dispatcher } from './dispatcher';
import type { MeshEvents, MessageHandler, PeerInfo } from './events';
import type { MeshExtension, MeshHost, SentMessage } from './extension';
import { Listeners, type ListeningAddress } from './listeners';
import { Connections } from './connections';
import { createHost } from './extension-host';
import { linkOf, type MeshConnection } from './mesh-connection';
import { MessageQueue } from './message-queue';
import type { MeshSocketOptions, MeshStats, RegisterHandlerOptions, SendOptions } from './options';
import { PeerExchange } from './peer-exchange';
import { PeerTable } from './peer-table';
import { ReplyRouter } from './reply-router';
import { Sender } from './sender';
import { Upkeep } from './upkeep';
import { Waterfall } from './waterfall';
import { bootstrapThroughSeeds, seedClientOptions, type BootstrapOptions, type BootstrapResult } from './seed-client';

export type { ConnectOptions } from './dialer';
export type { MeshStats, RegisterHandlerOptions, SendOptions } from './options';

const MAX_STATUS_ERRORS = 32;

/**
 * A mesh network node. Create one with {@link MeshSocket.listen}; `close()` it when done.
 *
 * @typeParam E - the event map; subclasses widen it with their own events.
 */
export class MeshSocket<E extends MeshEvents = MeshEvents> extends TypedEmitter<E> {
  /** The protocol a socket joins when none is given (PROTOCOL.md 4). Subclasses override it. */
  static readonly defaultProtocol: Protocol = new Protocol('mesh', 'Plaintext');

  readonly #options: MeshSocketOptions;
  readonly #ctx: Mutable<MeshContext>;
  #listeners: Listeners | undefined;

  readonly #table: PeerTable;
  readonly #waterfall: Waterfall;
  readonly #queue: MessageQueue<Message>;
  readonly #sender: Sender;
  readonly #dialer: Dialer;
  readonly #dispatcher: Dispatcher;
  readonly #exchange: PeerExchange;
  readonly #router: ReplyRouter;
  readonly #links: Connections;
  readonly #upkeep: Upkeep;
  readonly #errors: P2PError[] = [];
  #extension: MeshExtension | undefined;

  /** Shutdown began (after the extension's `closing`): incoming messages are ignored. */
  #stopped = false;
  /** destroy() was called: connections are dropped without a grace period. */
  #abrupt = false;
  #closing: Promise<void> | undefined;
  /** `close()`, for `await using node = await MeshSocket.listen()`. */
  readonly [Symbol.asyncDispose] = (): Promise<void> => this.close();

  /**
   * Subclasses call this, then `extend()` once; users call {@link MeshSocket.listen}. A layer
   * transforms `options.protocol` before passing it (as sync appends its leasing digit).
   */
  protected constructor(options: MeshSocketOptions = {}) {
    super();
    this.#options = { ...options };
    const ctx = (this.#ctx = createContext(options, (this.constructor as typeof MeshSocket).defaultProtocol, {
      report: (error) => this.#report(error),
      emit: (event, ...args) => (this as unknown as MeshSocket<MeshEvents>).emit(event, ...args),
    }));
    const limits = ctx.limits;
    this.#table = new PeerTable(limits, () => ctx.clock.now());
    this.#waterfall = new Waterfall(limits.maxSeen);
    this.#queue = ctx.metrics.watch(this.#table, this.#waterfall, new MessageQueue<Message>(limits.maxQueue, limits.maxQueueBytes));
    this.#sender = new Sender(ctx, this.#table, this.#waterfall);
    this.#dialer = new Dialer({
      ctx,
      table: this.#table,
      transport: () => this.#listeners!.dialTransport,
      bound: () => this.#listeners?.bound,
      adopt: (transport, outgoing) => this.#links.adopt(transport, outgoing),
      greet: (link) => this.#links.greet(link),
    });
    this.#exchange = new PeerExchange({
      ctx,
      table: this.#table,
      dialer: this.#dialer,
      sender: this.#sender,
      peerHandshake: ({ connection }) => this.#extension?.peerHandshake?.(connection),
      shouldAutoConnect: (id, addr) => {
        // PROTOCOL.md 4.4: fewer than maxOutgoing outgoing peers, counting dials in flight.
        const byDefault = this.#table.outgoingCount + this.#dialer.pendingAutoDials < ctx.maxOutgoing;
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
      reply: async (target, packets) => (this.#assertOpen(), this.#router.reply(target, packets)),
      deliver: (message) => this.#deliver(message),
      stopped: () => this.#stopped,
    });
    // PROTOCOL.md 4.7: py2p's built-in order is handshake, peers, response, request.
    this.#dispatcher.on(SubFlags.handshake, this.#exchange.onHandshake);
    if (ctx.signer) this.#dispatcher.on(AUTH_SUBFLAG, this.#exchange.onAuth);
    this.#dispatcher.on(SubFlags.peers, this.#dialer.onPeers); // a connect() resolves here, never claims
    this.#dispatcher.on(SubFlags.peers, this.#exchange.onPeers);
    this.#dispatcher.on(SubFlags.response, this.#router.onResponse);
    this.#dispatcher.on(SubFlags.request, this.#router.onRequest);
    this.#links = new Connections({
      ctx,
      table: this.#table,
      sender: this.#sender,
      dialer: () => this.#dialer,
      exchange: () => this.#exchange,
      dispatch: (link, wire) => this.#dispatcher.dispatch(link, wire),
      greeted: (link) => (this.#sender.handshake(link), this.#exchange.opened(link), this.#extension?.handshakeSent?.(link.connection)),
      adopted: (link, transport) => (this.#listeners?.bind(link, transport), this.#exchange.adopted(link, transport)),
      closed: (link, why) => (this.#upkeep.closed(link), this.#extension?.connectionClosed?.(link.connection, why)),
    });
    const parts = { ctx, table: this.#table, dialer: this.#dialer, sender: this.#sender, dispatcher: this.#dispatcher };
    this.#upkeep = new Upkeep({ ...parts, ...options, replaced: (link) => this.#exchange.wasReplaced(link) });
  }

  /**
   * Binds, listens, bootstraps through `options.bootstrap` when given, and returns a ready node.
   * @throws ListenFailedError (`LISTEN_FAILED`) when the address cannot be bound;
   *   TransportNotFoundError (`TRANSPORT_NOT_FOUND`) for an unregistered encryption;
   *   AbortError (`ABORTED`) when `options.signal` aborts (the socket is then closed).
   */
  static async listen(options: MeshSocketOptions = {}): Promise<MeshSocket> {
    return MeshSocket.open(new MeshSocket(options));
  }

  /**
   * Starts a freshly constructed socket and returns it: the one way a subclass writes its
   * `listen` (`return SyncSocket.open(new SyncSocket(options))`).
   */
  protected static async open<S extends MeshSocket<any>>(socket: S): Promise<S> {
    const { signal, bootstrap } = socket.#options;
    if (signal?.aborted) throw new AbortError('listen() was aborted', { cause: signal.reason });
    await socket.start();
    try {
      socket.#upkeep.start();
      if (bootstrap?.length) await socket.bootstrap(bootstrap, { signal }).catch((err: P2PError) => socket.#report(err));
      if (signal?.aborted) throw new AbortError('listen() was aborted', { cause: signal.reason });
    } catch (err) {
      await socket.destroy();
      throw err;
    }
    return socket;
  }

  /**
   * Binds the transport and derives the out address and node id, then calls the extension's
   * `started`. Called once, by {@link MeshSocket.open}.
   */
  protected async start(): Promise<void> {
    const options = this.#options;
    const ctx = this.#ctx;
    ctx.protocol = options.protocol ?? (this.constructor as typeof MeshSocket).defaultProtocol;
    const listeners = (this.#listeners = await Listeners.open(options, ctx.protocol, { accept: (c) => this.#links.accept(c), report: (e) => this.#report(e), identity: ctx.identity }));
    ctx.faces = listeners;
    ctx.outAddr = listeners.primary.outAddr;
    ctx.id = ctx.identity?.id ?? makeNodeId({ outAddr: ctx.outAddr, protocolId: ctx.protocol.id, salt: options.salt ?? randomSalt() });
    ctx.logger = scopedLogger(options.logger, `${(this.constructor as typeof MeshSocket).defaultProtocol.subnet} ${ctx.id.slice(0, 8)}`);
    ctx.logger.debug(`listening on ${listeners.describe()}`);
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
    return createHost({ ctx: this.#ctx, table: this.#table, sender: this.#sender, dispatcher: this.#dispatcher, deliver: (message) => this.#deliver(message) });
  }

  // ---------------------------------------------------------------- public state
  /** This node's id (base58 text). */
  get id(): string {
    return this.#ctx.id;
  }

  /** The address advertised to peers. */
  get outAddr(): readonly [string, number] {
    return this.#ctx.outAddr;
  }

  get protocol(): Protocol {
    return this.#ctx.protocol;
  }

  /** This node's key pair in an authenticated subnet (its id is `identity.id`); undefined elsewhere. */
  get identity(): Identity | undefined {
    return this.#ctx.identity;
  }

  /** The address actually bound (with the real port when 0 was asked for). */
  get address(): Endpoint | undefined {
    return this.#listeners?.bound;
  }

  /** Every listener's bound address, encryption and advertised address (see `listen`). */
  get addresses(): readonly ListeningAddress[] {
    return this.#listeners?.addresses ?? [];
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
    return this.#ctx.metrics.stats();
  }

  /** This node's counters, gauges and histograms now (README, "Metrics"); `renderPrometheus` writes them as Prometheus text. */
  metrics() {
    return this.#ctx.metrics.registry.snapshot();
  }

  /** True once `close()` or `destroy()` was called. */
  get closed(): boolean {
    return this.#ctx.closed;
  }

  // ---------------------------------------------------------------- public calls
  /**
   * Dials `host:port` and resolves once the link is usable: the peer is in `peers` on both sides,
   * so a message sent either way from then on is delivered (README, "connect"). Resolves with the
   * existing peer when already connected. Rejects `CONNECT_FAILED`, `PROTOCOL_MISMATCH`,
   * `SELF_CONNECT`, `LIMIT_EXCEEDED`, `HANDSHAKE_TIMEOUT`, `TIMEOUT` (default: the handshake
   * timeout), `ABORTED` or `CLOSED`; aborting stops the dial when nobody else waits for it.
   */
  async connect(host: string, port: number, options: ConnectOptions = {}): Promise<PeerInfo> {
    this.#assertOpen();
    return this.#dialer.connect(host, port, options);
  }

  /** Closes the connection to a peer (by id or connection) and stops re-dialing it. Unknown ids are ignored. */
  disconnect(peer: string | MeshConnection): void {
    const link = typeof peer === 'string' ? this.#table.get(peer) : linkOf(peer);
    this.#upkeep.forget(typeof peer === 'string' ? peer : link?.peerId, link?.peerAddr);
    if (link && this.#table.has(link)) link.close();
  }

  /**
   * Sends `flag / type [...packets]` to every filed peer; returns the id, time, peers written to
   * and `full` (pace with `drained()`). Encoded and size-checked before anything is written: a throw means nothing was sent.
   * @throws EncodeError, FrameTooLargeError (over `limits.maxFrameBytes`), LimitExceededError (over `limits.maxNodeWriteBytes`), ClosedError, InvalidArgumentError
   */
  send(packets: readonly unknown[], options: SendOptions = {}): SentMessage {
    this.#assertOpen();
    if (!Array.isArray(packets)) throw new InvalidArgumentError('send takes an array of packets');
    const { flag = MainFlags.broadcast, type = SubFlags.broadcast } = options;
    return this.#sender.sendToAll(flag, type, packets);
  }

  /** Resolves once no peer is over `limits.writeHighWaterBytes` (at once if none is); see `drain`. */
  drained(options: { signal?: AbortSignal; timeout?: number } = {}): Promise<void> {
    return this.#ctx.writes.drained(this.#ctx.clock, options);
  }

  /**
   * Registers with seeds (`p2p seed`; PROTOCOL.md 8) and dials the nodes registered under this
   * protocol. @throws BootstrapFailedError (`BOOTSTRAP_FAILED`) when no seed answered; CLOSED
   */
  bootstrap(seeds: ReadonlyArray<readonly [string, number]>, options?: BootstrapOptions): Promise<BootstrapResult> {
    this.#assertOpen();
    return bootstrapThroughSeeds(this, seeds, () => MeshSocket.listen(seedClientOptions(this.#ctx.protocol, this.#options)), options);
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
    return this.#dispatcher.addUserHandler(handler, options.checkArity ?? true);
  }

  /** py2p's name for {@link registerHandler}. */
  register_handler(handler: MessageHandler, options?: RegisterHandlerOptions): () => void {
    return this.registerHandler(handler, options);
  }

  /** Asks every peer for its peer list (`whisper / request ["*"]`, `*` as bin). */
  requestPeers(): void {
    this.#assertOpen();
    for (const link of this.#table.routed()) this.#sender.requestPeers(link);
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
    this.#ctx.closed = true;
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
    this.#ctx.closed = true;
    this.#links.cutShort();
    this.#closing ??= this.#shutdown();
    return this.#closing;
  }

  /** Queues a message for `recv()` / `messages()` and emits `message` (`MeshHost.deliver`). */
  #deliver(message: Message): void {
    const seen = (this as unknown as MeshSocket<MeshEvents>).listenerCount('message') > 0;
    this.#queue.push(message, { seen, queue: !seen || this.#options.queueWhenListened !== false });
    (this as unknown as MeshSocket<MeshEvents>).emit('message', message);
  }

  // ---------------------------------------------------------------- internals
  #report(error: P2PError): void {
    this.#errors.push(error);
    if (this.#errors.length > MAX_STATUS_ERRORS) this.#errors.shift();
    this.#ctx.logger.debug(`error ${error.code}: ${error.message}`);
    (this as unknown as MeshSocket<MeshEvents>).emit('error', error);
  }

  #assertOpen(): void {
    if (this.#ctx.closed) throw new ClosedError('the socket is closed');
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
    this.#ctx.logger.debug(this.#abrupt ? 'destroying' : 'closing');
    const closed = new ClosedError('the socket is closed');
    this.#upkeep.stop();
    this.#exchange.stop();
    this.#dialer.stop(closed);
    this.#router.stop(closed);
    const listenerClosed = this.#listeners?.close();
    await this.#links.closeAll(this.#abrupt);
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
    this.#ctx.logger.debug('closed');
    (this as unknown as MeshSocket<MeshEvents>).emit('close');
  }
}
