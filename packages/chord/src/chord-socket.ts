/**
 * The chord socket (PROTOCOL.md section 6): a distributed hash table on top of the mesh. Every
 * key is stored five times, once per hash table, at the storing node nearest at or before each
 * hash on the 2^384 ring; reads need three matching answers. On top of py2p's behaviour it
 * repairs lost replicas with ordinary `store` messages (see the README, "Replication").
 */
import {
  AbortError,
  BadMessageError,
  ClosedError,
  KeyNotFoundError,
  LimitExceededError,
  MainFlags,
  NotAMappingError,
  Protocol,
  RawMsgpack,
  SubFlags,
  TimeoutError,
  base58DecodeInt,
  bytesEqual,
  encodeMsgpack,
  toHex,
  utf8Encode,
  type Message,
  type P2PError,
  type TimerHandle,
  type WaitOptions,
  type WireMessage,
} from '@p2p/base';
import { DEFAULT_MAX_OUTGOING, MeshSocket, type MeshConnection } from '@p2p/mesh';
import { NoConsensusError } from './errors';
import type { ChordEvents } from './events';
import { HASH_METHODS, getHashes, isHashMethod, keyBytes, distance, type ChordKey, type HashMethod } from './hashing';
import { AGREEMENT, CHORD_DEFAULTS, DEFAULT_GET_TIMEOUT, type ChordSocketOptions } from './options';
import {
  BACKUP_SUBFLAG,
  fieldBytes,
  fieldText,
  isMapping,
  mergeMapping,
  parseRingKey,
  rawPayloadField,
  ringKeyBin,
} from './payloads';
import { PendingLookups, type PendingLookup } from './pending';
import { closestAfter, closestBefore, leastEfficient, type Positioned } from './routing';
import { HashTables, type Entry } from './tables';

/** Options of the reading calls (`get`, `pop`, `values`, ...). */
export interface GetOptions extends WaitOptions {
  /** Milliseconds before giving up. @default 10000 */
  timeout?: number;
}

/** What `find` / `findPrev` return: this socket, a peer's connection, or nobody. */
export type ChordNode = ChordSocket | MeshConnection;

type Mapping = Record<string, unknown> | Map<unknown, unknown>;

const METHOD_BIN: Readonly<Record<HashMethod, Uint8Array>> = Object.freeze(
  Object.fromEntries(HASH_METHODS.map((m) => [m, utf8Encode(m)])) as Record<HashMethod, Uint8Array>,
);
/** The delete marker of `notify [key, "del"]`, bin as py2p sends it (PROTOCOL.md 1.5). */
const DEL_MARKER = utf8Encode('del');
const MAX_ID_CACHE = 10_000;
const DRAIN_POLL_MS = 10;
/** How long replica repair waits after a nil answer for a forwarded real one before filling the slot. */
const FILL_CONFIRM_MS = 500;
/** How often a read asks again the tables that answered nil. */
const GET_RETRY_MS = 250;
const MISSING: unique symbol = Symbol('missing');

type ChordSettings = Required<Pick<ChordSocketOptions, keyof typeof CHORD_DEFAULTS>>;

/**
 * A chord DHT node. Create one with {@link ChordSocket.listen}, connect it, `join()` to store
 * data for others, `close()` when done.
 */
export class ChordSocket extends MeshSocket<ChordEvents> {
  static override readonly defaultProtocol: Protocol = new Protocol('chord', 'Plaintext');

  readonly #opts: ChordSettings;
  readonly #maxOutgoing: number;
  readonly #k: number | undefined;
  #storing = false;
  #idInt = 0n;
  /** Per connection: true once the peer said it stores (meta "0"); py2p's `conn.leeching` inverted. */
  readonly #peerStoring = new WeakMap<MeshConnection, boolean>();
  readonly #idInts = new Map<string, bigint | null>();
  readonly #tables = new HashTables();
  /** Backup copies of entries our successor is responsible for (TS-only, see BACKUP_SUBFLAG). */
  readonly #backups = new HashTables();
  /** Known user keys (from notify), by hex. */
  readonly #keys = new Map<string, Uint8Array>();
  /** Ring positions of known keys, per table: ring key -> key hex. Lets repair find a slot's siblings. */
  readonly #slotIndex = new Map<HashMethod, Map<bigint, string>>(HASH_METHODS.map((m) => [m, new Map()]));
  readonly #pending: PendingLookups;
  /** Slot -> [target id, entry] last pushed by replica repair, so quiet rounds send nothing. */
  #pushed = new Map<string, [string, Entry]>();
  readonly #closedAt = new Map<string, number>();
  readonly #timers = new Set<TimerHandle>();
  readonly #gets = new Set<(error: P2PError) => void>();
  #repairTimer: TimerHandle | undefined;
  #periodicTimer: TimerHandle | undefined;
  #suppressMeta = false;
  #periodicRuns = 0;
  #shutdown = false;
  #closing: Promise<void> | undefined;
  #refusedKeys = 0;

  protected constructor(options: ChordSocketOptions = {}) {
    super(options);
    const opts: Record<string, unknown> = { ...CHORD_DEFAULTS };
    for (const key of Object.keys(CHORD_DEFAULTS)) {
      const value = (options as Record<string, unknown>)[key];
      if (value !== undefined) opts[key] = value;
    }
    this.#opts = opts as unknown as ChordSettings;
    this.#maxOutgoing = options.maxOutgoing ?? DEFAULT_MAX_OUTGOING;
    this.#k = options.k;
    this.#pending = new PendingLookups(this.#opts.maxPendingLookups, options.clock ?? this.clock);
    // PROTOCOL.md 4.7: chord's built-ins after mesh's, in py2p's order.
    this.addBuiltinHandler((msg, conn) => this.#handleMeta(msg, conn));
    this.addBuiltinHandler((msg, conn) => this.#handleNotify(msg, conn));
    this.addBuiltinHandler((msg, conn, wire) => this.#handleRetrieve(msg, conn, wire));
    this.addBuiltinHandler((msg, conn, wire) => this.#handleRetrieved(msg, conn, wire));
    this.addBuiltinHandler((msg, conn, wire) => this.#handleStore(msg, conn, wire));
    this.addBuiltinHandler((msg, conn, wire) => this.#handleDelta(msg, conn, wire));
    this.addBuiltinHandler((msg, conn, wire) => this.#handleBackup(msg, conn, wire));
  }

  /**
   * Binds, listens and returns a ready node. It starts as a leecher (it reads and writes but
   * stores nothing for others) until {@link join} is called.
   * @throws ListenFailedError (`LISTEN_FAILED`), TransportNotFoundError (`TRANSPORT_NOT_FOUND`)
   */
  static override async listen(options: ChordSocketOptions = {}): Promise<ChordSocket> {
    const socket = new ChordSocket(options);
    await socket.start();
    return socket;
  }

  protected override async start(): Promise<void> {
    await super.start();
    this.#idInt = base58DecodeInt(this.id);
    if (this.#k !== undefined) {
      // PROTOCOL.md 6.9: accepted for source compatibility only.
      this.logger.warn(`the 'k' option (${this.#k}) belongs to the 2016 API and is ignored; the ring is always 2^384`);
    }
    this.#armPeriodic();
  }

  // ---------------------------------------------------------------- state

  /** This node's id as a ring position (py2p's `id_10`). */
  get idInt(): bigint {
    return this.#idInt;
  }

  /** True between `join()` and `unjoin()` (py2p's `not leeching`). */
  get isStoring(): boolean {
    return this.#storing;
  }

  /** Routed peers that said they store data (py2p's `data_storing`). */
  storingPeers(): MeshConnection[] {
    return [...this.peers.values()].filter((c) => this.#peerStoring.get(c) === true && !c.closed);
  }

  /** Entries this node holds for the network, all five tables together. */
  get storedEntries(): number {
    return this.#tables.size;
  }

  /** Backup copies held for the storing node directly ahead (TS-only; not served to reads). */
  get backupEntries(): number {
    return this.#backups.size;
  }

  /** Retrievals in flight (own reads and forwarded ones); bounded and expired (F3). */
  get pendingLookups(): number {
    return this.#pending.size;
  }

  /**
   * The node responsible for ring key `k` among this node (when storing) and its storing peers:
   * the nearest one at or before `k` (PROTOCOL.md 6.2). Undefined when there is no candidate.
   */
  find(k: bigint): ChordNode | undefined {
    return closestBefore(this.#candidates(), k);
  }

  /** The candidate nearest at or after `k` (py2p's `find_prev`). */
  findPrev(k: bigint): ChordNode | undefined {
    return closestAfter(this.#candidates(), k);
  }

  /** py2p's name for {@link findPrev}. */
  find_prev(k: bigint): ChordNode | undefined {
    return this.findPrev(k);
  }

  /** The nearest storing node behind this one: `find(id - 1)` (py2p's `next`, see PROTOCOL.md 6.2). */
  get predecessor(): ChordNode | undefined {
    return this.find(this.#idInt - 1n);
  }

  /** The nearest storing node ahead of this one: `findPrev(id + 1)` (py2p's `prev`). */
  get successor(): ChordNode | undefined {
    return this.findPrev(this.#idInt + 1n);
  }

  /** py2p's `next`: identical to {@link predecessor} (`find(id - 1)`). */
  get next(): ChordNode | undefined {
    return this.find(this.#idInt - 1n);
  }

  /** py2p's `prev`: identical to {@link successor} (`findPrev(id + 1)`). */
  get prev(): ChordNode | undefined {
    return this.findPrev(this.#idInt + 1n);
  }

  /**
   * Entries held here that are closer to `start` than to `end`
   * (`distance(start, k) < distance(end, k)`), per table: what a handoff to `start` would move.
   */
  dumpData(start: bigint, end: bigint): Record<HashMethod, Map<bigint, unknown>> {
    const out = Object.fromEntries(HASH_METHODS.map((m) => [m, new Map<bigint, unknown>()])) as Record<HashMethod, Map<bigint, unknown>>;
    for (const [method, k, entry] of this.#tables.snapshot()) {
      if (distance(start, k) < distance(end, k)) out[method].set(k, entry.value);
    }
    return out;
  }

  /** py2p's name for {@link dumpData}. */
  dump_data(start: bigint, end: bigint): Record<HashMethod, Map<bigint, unknown>> {
    return this.dumpData(start, end);
  }

  /**
   * PROTOCOL.md 6.8: closes the outgoing storing peer in the tightest cluster of the ring. As an
   * improvement it never closes this node's predecessor or successor, which greedy routing needs.
   * Returns whether it closed a connection.
   */
  disconnectLeastEfficient(): boolean {
    const protect = new Set<ChordNode | undefined>([this.predecessor, this.successor]);
    const victim = leastEfficient(this.#storingPositions(), (c) => c.outgoing && !protect.has(c));
    if (!victim) return false;
    this.logger.debug(`disconnecting least efficient peer ${victim.peerId?.slice(0, 8)}`);
    this.disconnect(victim);
    return true;
  }

  /** py2p's name for {@link disconnectLeastEfficient}. */
  disconnect_least_efficient(): boolean {
    return this.disconnectLeastEfficient();
  }

  // ---------------------------------------------------------------- join / unjoin

  /**
   * Starts storing data for the network: sends a handshake, a peers list and meta "0" on every
   * connection; storing peers answer by handing over the entries that now belong here.
   */
  join(): void {
    this.#assertOpen();
    if (this.#storing) return;
    this.#storing = true;
    this.#announce();
    this.#scheduleRepair();
  }

  /**
   * Stops storing: announces meta "1", hands every stored entry to the storing peer now
   * responsible for it, and resolves once those writes have drained (bounded by
   * `drainTimeout`). With no storing peer the data stays here (py2p would lose it) and moves
   * when one appears.
   */
  async unjoin(): Promise<void> {
    this.#assertOpen();
    await this.#leave();
  }

  async #leave(): Promise<void> {
    if (!this.#storing) return;
    this.#storing = false;
    this.#announce();
    this.#rehomeAll();
    await this.#drain();
  }

  // ---------------------------------------------------------------- writes

  /**
   * Stores `value` under `key` in all five tables (routed greedily to the responsible nodes)
   * and announces a new key with `notify`. `null`/`undefined` deletes.
   * @throws EncodeError (`ENCODE_ERROR`) before anything is stored or sent; ClosedError (`CLOSED`)
   */
  set(key: ChordKey, value: unknown): void {
    this.#assertOpen();
    const bytes = keyBytes(key);
    const v = value === undefined ? null : value;
    // F19: fail on unencodable values before anything is stored or sent.
    const entry: Entry | null = v === null ? null : { value: v, raw: encodeMsgpack(v).slice() };
    const hashes = getHashes(bytes);
    HASH_METHODS.forEach((method, i) => this.#storeOne(method, hashes[i]!, entry));
    const hex = toHex(bytes);
    if (v === null) {
      if (this.#keys.has(hex)) {
        this.#removeKey(hex);
        this.broadcastInternal(SubFlags.notify, [bytes, DEL_MARKER]);
      }
    } else if (!this.#keys.has(hex)) {
      this.#addKey(bytes, true);
      this.broadcastInternal(SubFlags.notify, [bytes]);
    }
  }

  /**
   * Deletes `key` everywhere (stores nil in all five tables, broadcasts `notify [key, "del"]`).
   * @throws KeyNotFoundError (`KEY_NOT_FOUND`) when this node never heard of the key
   */
  delete(key: ChordKey): void {
    this.#assertOpen();
    const bytes = keyBytes(key);
    if (!this.#keys.has(toHex(bytes))) {
      throw new KeyNotFoundError('no such key in this network', { details: { key: toHex(bytes) } });
    }
    this.set(bytes, null);
  }

  /** py2p's name for {@link delete}. */
  del(key: ChordKey): void {
    this.delete(key);
  }

  /** Sets every pair of `entries` (an iterable of pairs or a plain object). */
  update(entries: Iterable<readonly [ChordKey, unknown]> | Record<string, unknown>): void {
    const pairs: Iterable<readonly [ChordKey, unknown]> =
      Symbol.iterator in Object(entries) ? (entries as Iterable<readonly [ChordKey, unknown]>) : Object.entries(entries);
    for (const [key, value] of pairs) this.set(key, value);
  }

  /**
   * Merges `delta` into the map stored under `key` (a missing key starts empty) and resolves with
   * the merged map. Reads the key first, so a missing key costs the read timeout, as in py2p.
   * Announces the key when it was not known (py2p does not, F16).
   * @throws NotAMappingError (`NOT_A_MAPPING`) when `delta` or the stored value is not a map
   */
  async applyDelta(key: ChordKey, delta: Mapping, options: GetOptions = {}): Promise<Mapping> {
    this.#assertOpen();
    if (!isMapping(delta)) throw new NotAMappingError('a delta must be a map (plain object or Map)');
    encodeMsgpack(delta);
    const bytes = keyBytes(key);
    const current = await this.get(bytes, MISSING, options);
    if (current !== MISSING && current !== null && !isMapping(current)) {
      throw new NotAMappingError('the stored value is not a map', { details: { key: toHex(bytes) } });
    }
    const hashes = getHashes(bytes);
    HASH_METHODS.forEach((method, i) => this.#deltaOne(method, hashes[i]!, delta));
    if (!this.#keys.has(toHex(bytes))) {
      this.#addKey(bytes, true);
      this.broadcastInternal(SubFlags.notify, [bytes]);
    }
    return mergeMapping(current === MISSING || current === null ? undefined : (current as Mapping), delta);
  }

  /** py2p's name for {@link applyDelta}. */
  apply_delta(key: ChordKey, delta: Mapping, options?: GetOptions): Promise<Mapping> {
    return this.applyDelta(key, delta, options);
  }

  // ---------------------------------------------------------------- reads

  /**
   * Reads `key`: asks the node responsible for each of the five hashes and resolves with the
   * first value that three of them agree on (PROTOCOL.md 6.5). Nil answers are not final (a
   * forwarding py2p node answers nil before the real value), so a missing key usually costs the
   * whole timeout. Without a fallback it rejects with `TIMEOUT`, `NO_CONSENSUS` (answers
   * disagree), `KEY_NOT_FOUND` (all five tables are local and empty) or `ABORTED`; with one,
   * it resolves with the fallback instead (except on abort).
   */
  get(key: ChordKey, fallback?: unknown, options: GetOptions = {}): Promise<unknown> {
    if (this.closed) return Promise.reject(new ClosedError('the socket is closed'));
    const bytes = keyBytes(key);
    const hashes = getHashes(bytes);
    const timeout = options.timeout ?? DEFAULT_GET_TIMEOUT;
    const signal = options.signal;
    if (signal?.aborted) return Promise.reject(new AbortError('get was aborted', { cause: signal.reason }));
    type Slot = { state: 'open' | 'nil' | 'final'; value: unknown; enc?: string };
    const slots: Slot[] = HASH_METHODS.map(() => ({ state: 'open', value: null }));
    return new Promise<unknown>((resolve, reject) => {
      let done = false;
      let timer: TimerHandle | undefined;
      let retryTimer: TimerHandle | undefined;
      const releases: Array<() => void> = [];
      const finish = (outcome: { value: unknown } | { error: P2PError }): void => {
        if (done) return;
        done = true;
        this.clock.clearTimeout(timer);
        this.clock.clearTimeout(retryTimer);
        signal?.removeEventListener('abort', onAbort);
        this.#gets.delete(onClose);
        for (const release of releases) release();
        if ('value' in outcome) resolve(outcome.value);
        else if (fallback !== undefined && outcome.error.code !== 'ABORTED' && outcome.error.code !== 'CLOSED') resolve(fallback);
        else reject(outcome.error);
      };
      const onAbort = (): void => finish({ error: new AbortError('get was aborted', { cause: signal?.reason }) });
      const onClose = (error: P2PError): void => finish({ error });
      const evaluate = (final: boolean): void => {
        if (done) return;
        const counts = new Map<string, { n: number; value: unknown }>();
        let open = 0;
        let answered = 0;
        for (const slot of slots) {
          if (slot.state === 'open' || (slot.state === 'nil' && !final)) open++;
          if (slot.enc === undefined) continue;
          answered++;
          const c = counts.get(slot.enc) ?? { n: 0, value: slot.value };
          c.n++;
          counts.set(slot.enc, c);
        }
        let best: { n: number; value: unknown } | undefined;
        for (const c of counts.values()) if (!best || c.n > best.n) best = c;
        if (best && best.n >= AGREEMENT) {
          finish({ value: best.value });
          return;
        }
        // Still reachable? Some value (or a new one) could reach 3 with the open slots.
        if (!final && (best?.n ?? 0) + open >= AGREEMENT) return;
        if (answered > 0) {
          finish({ error: new NoConsensusError('the replicas of this key disagree', { details: { key: toHex(bytes) } }) });
        } else if (final) {
          finish({ error: new TimeoutError(`get timed out after ${timeout} ms`, { details: { key: toHex(bytes), timeout } }) });
        } else {
          finish({ error: new KeyNotFoundError('no such key', { details: { key: toHex(bytes) } }) });
        }
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#gets.add(onClose);
      timer = this.clock.setTimeout(() => evaluate(true), timeout);
      const set = (i: number, value: unknown, final: boolean): void => {
        const slot = slots[i]!;
        if (slot.state === 'final') return;
        if (value === null || value === undefined) {
          slot.state = final ? 'final' : 'nil';
          slot.value = null;
          slot.enc = undefined;
        } else {
          slot.state = 'final';
          slot.value = value;
          slot.enc = toHex(encodeMsgpack(value));
        }
      };
      const ask = (i: number): void => {
        const local = this.#lookup(HASH_METHODS[i]!, hashes[i]!, undefined, (value) => {
          set(i, value, false);
          evaluate(false);
        }, timeout);
        if (local.kind === 'local') set(i, local.value, true);
        else releases.push(local.release);
      };
      HASH_METHODS.forEach((_, i) => ask(i));
      // A nil answer may be stale (a write still in flight) or a forwarder's first reply: ask again.
      const retry = (): void => {
        retryTimer = this.clock.setTimeout(() => {
          if (done || this.closed) return;
          slots.forEach((slot, i) => slot.state === 'nil' && ask(i));
          evaluate(false);
          if (!done) retry();
        }, GET_RETRY_MS);
      };
      retry();
      evaluate(false);
    });
  }

  /** Known keys (announced by notify messages), as bytes. */
  *keys(): IterableIterator<Uint8Array> {
    for (const key of [...this.#keys.values()]) yield key.slice();
  }

  /** Reads every known key; keys that cannot be read are skipped. */
  async *values(options: GetOptions = {}): AsyncIterableIterator<unknown> {
    for await (const [, value] of this.entries(options)) yield value;
  }

  /** Reads every known key as `[key, value]`; keys that cannot be read are skipped. */
  async *entries(options: GetOptions = {}): AsyncIterableIterator<[Uint8Array, unknown]> {
    for (const key of this.keys()) {
      const value = await this.get(key, MISSING, options);
      if (value !== MISSING && value !== null) yield [key, value];
    }
  }

  /** py2p's name for {@link entries}. */
  items(options: GetOptions = {}): AsyncIterableIterator<[Uint8Array, unknown]> {
    return this.entries(options);
  }

  /**
   * Reads `key`, then deletes it. With no fallback, rejects like `get`; a key that cannot be
   * read is not deleted.
   */
  async pop(key: ChordKey, fallback?: unknown, options: GetOptions = {}): Promise<unknown> {
    const bytes = keyBytes(key);
    const value = await this.get(bytes, MISSING, options).catch((err: P2PError) => {
      if (fallback === undefined) throw err;
      return MISSING;
    });
    if (value === MISSING) {
      if (fallback === undefined) throw new KeyNotFoundError('no such key', { details: { key: toHex(bytes) } });
      return fallback;
    }
    if (this.#keys.has(toHex(bytes))) this.delete(bytes);
    else this.set(bytes, null);
    return value;
  }

  /** Reads and deletes some known key; undefined when no key can be read. */
  async popItem(options: GetOptions = {}): Promise<[Uint8Array, unknown] | undefined> {
    for (const key of this.keys()) {
      const value = await this.pop(key, MISSING, options);
      if (value !== MISSING && value !== null) return [key, value];
    }
    return undefined;
  }

  /** py2p's name for {@link popItem}. */
  popitem(options?: GetOptions): Promise<[Uint8Array, unknown] | undefined> {
    return this.popItem(options);
  }

  /** Every readable key and value (keys are byte arrays; iterate the map, do not look keys up). */
  async copy(options: GetOptions = {}): Promise<Map<Uint8Array, unknown>> {
    const out = new Map<Uint8Array, unknown>();
    for await (const [key, value] of this.entries(options)) out.set(key, value);
    return out;
  }

  /**
   * Hands data off when storing (as py2p's destructor calls `unjoin`, unless `handoffOnClose`
   * is false), then closes like a mesh socket. Pending reads reject with `CLOSED`.
   */
  override close(): Promise<void> {
    this.#closing ??= this.#closeOnce();
    return this.#closing;
  }

  async #closeOnce(): Promise<void> {
    this.#shutdown = true;
    if (this.#opts.handoffOnClose && this.#storing && !this.closed) {
      try {
        await this.#leave();
      } catch (err) {
        this.logger.debug(`handoff on close failed: ${String(err)}`);
      }
    }
    this.#stopTimers();
    const closed = new ClosedError('the socket is closed');
    for (const fail of [...this.#gets]) fail(closed);
    this.#pending.clear();
    await super.close();
    this.#stopTimers();
  }

  // ---------------------------------------------------------------- mesh hooks

  protected override onHandshakeSent(connection: MeshConnection): void {
    // F15: meta (and key notifies) after our handshake on every connection, dialed or accepted.
    if (!this.#suppressMeta) this.#sendMeta(connection);
  }

  protected override shouldAutoConnect(peerId: string, addr: readonly [string, number]): boolean {
    const x = this.#peerInt(peerId);
    if (x === undefined) return false;
    if (this.#wouldBeNeighbour(x)) return true;
    const closedAt = this.#closedAt.get(peerId);
    if (closedAt !== undefined && this.clock.now() - closedAt < this.#opts.redialBackoff) return false;
    if (super.shouldAutoConnect(peerId, addr)) return true;
    // PROTOCOL.md 6.6: is_prev(x) or is_next(x); a missing neighbour counts as false.
    const me = this.#idInt;
    const prev = this.#positionOf(this.successor);
    const next = this.#positionOf(this.predecessor);
    const isPrev = prev !== undefined && distance(x, me) <= distance(prev, me);
    const isNext = next !== undefined && distance(me, x) <= distance(me, next);
    return isPrev || isNext;
  }

  protected override onConnectionClosed(connection: MeshConnection, _reason: P2PError | undefined): void {
    const id = connection.peerId;
    if (id !== undefined) {
      this.#closedAt.set(id, this.clock.now());
      if (this.#closedAt.size > MAX_ID_CACHE) this.#closedAt.delete(this.#closedAt.keys().next().value as string);
    }
    if (this.#peerStoring.get(connection) === true) this.#scheduleRepair();
  }

  // ---------------------------------------------------------------- handlers

  #handleMeta(message: Message, conn: MeshConnection): boolean {
    const packets = message.packets;
    if (packets[0] !== SubFlags.handshake || packets.length !== 2) return false;
    const text = fieldText(packets[1]);
    if (text === undefined || !/^\s*[+-]?\d+\s*$/.test(text)) {
      this.emitError(new BadMessageError('chord meta is not "0" or "1"', { details: { peer: conn.peerId } }));
      return true;
    }
    const storing = Number.parseInt(text, 10) === 0;
    const wasStoring = this.#peerStoring.get(conn) === true;
    if (storing === wasStoring) return true;
    // PROTOCOL.md 6.3: answer a change with our meta, then hand off if both store.
    this.#sendMeta(conn);
    this.#peerStoring.set(conn, storing);
    if (this.#storing && storing && conn.peerId !== undefined) {
      this.sendPeers(conn);
      this.#handoff(conn);
    }
    this.#scheduleRepair();
    if (this.#opts.trimConnections && this.outgoingIds().length > this.#maxOutgoing) this.disconnectLeastEfficient();
    return true;
  }

  #handleNotify(message: Message, conn: MeshConnection): boolean {
    const packets = message.packets;
    if (packets[0] !== SubFlags.notify) return false;
    const key = packets.length === 2 || packets.length === 3 ? fieldBytes(packets[1]) : undefined;
    if (!key) {
      this.#reject(message, conn, 'malformed notify');
      return true;
    }
    const hex = toHex(key);
    if (packets.length === 2) {
      this.#addKey(key, false);
      this.emit('add', { key: key.slice() });
    } else if (this.#keys.has(hex)) {
      this.#removeKey(hex);
      this.emit('delete', { key: key.slice() });
    }
    return true;
  }

  #handleStore(message: Message, conn: MeshConnection, wire: WireMessage): boolean {
    const packets = message.packets;
    if (packets[0] !== SubFlags.store) return false;
    const slot = this.#parseSlot(message, conn, 4);
    if (!slot) return true;
    const value = packets[3];
    if (value === null) {
      // F10: deleting an entry we do not hold is a no-op (py2p drops the link).
      this.#storeOne(slot.method, slot.k, null);
    } else {
      const raw = rawPayloadField(wire, 3) ?? encodeMsgpack(value).slice();
      this.#storeOne(slot.method, slot.k, { value, raw });
    }
    return true;
  }

  #handleDelta(message: Message, conn: MeshConnection, _wire: WireMessage): boolean {
    const packets = message.packets;
    if (packets[0] !== SubFlags.delta) return false;
    const slot = this.#parseSlot(message, conn, 4);
    if (!slot) return true;
    const delta = packets[3];
    if (!isMapping(delta)) {
      this.#reject(message, conn, 'chord delta carries no map');
      return true;
    }
    this.#deltaOne(slot.method, slot.k, delta);
    return true;
  }

  #handleRetrieve(message: Message, conn: MeshConnection, _wire: WireMessage): boolean {
    const packets = message.packets;
    if (packets[0] !== SubFlags.retrieve) return false;
    const slot = this.#parseSlot(message, conn, 3);
    if (!slot) return true;
    const requester = { connection: conn, method: packets[1], key: packets[2] };
    const result = this.#lookup(slot.method, slot.k, requester, undefined, this.#opts.forwardTimeout);
    if (result.kind === 'local') {
      this.sendTo(conn, MainFlags.whisper, SubFlags.retrieved, [packets[1], packets[2], this.#wireValue(result.entry)]);
    } else {
      // As py2p: answer nil at once when forwarding; the real value follows when it arrives.
      this.sendTo(conn, MainFlags.whisper, SubFlags.retrieved, [packets[1], packets[2], null]);
    }
    return true;
  }

  #handleRetrieved(message: Message, conn: MeshConnection, wire: WireMessage): boolean {
    const packets = message.packets;
    if (packets[0] !== SubFlags.retrieved) return false;
    if (packets.length !== 4) {
      this.#reject(message, conn, 'malformed retrieved');
      return true;
    }
    const method = fieldText(packets[1]);
    const key = fieldText(packets[2]);
    if (method === undefined || key === undefined) {
      this.#reject(message, conn, 'malformed retrieved');
      return true;
    }
    const entry = this.#pending.get(`${method}|${key}`);
    if (!entry) return true;
    const value = packets[3] ?? null;
    const raw = value === null ? undefined : rawPayloadField(wire, 3);
    for (const waiter of [...entry.waiters]) waiter(value, raw);
    const out = raw ? new RawMsgpack(raw) : value;
    for (const r of entry.requesters) {
      if (r.connection !== conn) this.sendTo(r.connection, MainFlags.whisper, SubFlags.retrieved, [r.method, r.key, out]);
    }
    if (value !== null) entry.requesters = [];
    this.#pending.release(entry);
    return true;
  }

  #handleBackup(message: Message, conn: MeshConnection, wire: WireMessage): boolean {
    const packets = message.packets;
    if (packets[0] !== BACKUP_SUBFLAG) return false;
    const slot = this.#parseSlot(message, conn, 4);
    if (!slot) return true;
    if (packets[3] === null) this.#backups.delete(slot.method, slot.k);
    else this.#backups.set(slot.method, slot.k, { value: packets[3], raw: rawPayloadField(wire, 3) ?? encodeMsgpack(packets[3]).slice() });
    return true;
  }

  /** Gives the node behind us (the one that takes over our range if we vanish) a backup copy. */
  #sendBackup(method: HashMethod, k: bigint, entry: Entry | null): boolean {
    const pred = this.predecessor;
    if (pred === undefined || pred === this) return false;
    this.sendTo(pred as MeshConnection, MainFlags.whisper, BACKUP_SUBFLAG, [METHOD_BIN[method], ringKeyBin(k), this.#wireValue(entry)]);
    return true;
  }

  /** Method and ring key of a store/delta/retrieve of `length` fields, or undefined (already reported). */
  #parseSlot(message: Message, conn: MeshConnection, length: number): { method: HashMethod; k: bigint } | undefined {
    const packets = message.packets;
    const methodText = packets.length === length ? fieldText(packets[1]) : undefined;
    const keyText = packets.length === length ? fieldText(packets[2]) : undefined;
    if (methodText === undefined || keyText === undefined) {
      this.#reject(message, conn, `malformed chord message (sub-flag ${String(packets[0])})`);
      return undefined;
    }
    if (!isHashMethod(methodText)) {
      // F10: unknown method: ignore and report, keep the connection.
      this.emitError(new BadMessageError(`unknown chord hash method ${JSON.stringify(methodText.slice(0, 16))}`, { details: { peer: conn.peerId } }));
      return undefined;
    }
    const k = parseRingKey(keyText);
    if (k === undefined) {
      this.emitError(new BadMessageError('chord key is not base58', { details: { peer: conn.peerId } }));
      return undefined;
    }
    return { method: methodText, k };
  }

  /**
   * A structurally malformed message: a whisper comes from the neighbour itself, so that link is
   * dropped; a broadcast may only have been relayed, so it is just reported.
   */
  #reject(message: Message, conn: MeshConnection, text: string): void {
    const error = new BadMessageError(text, { details: { peer: conn.peerId, sender: message.sender } });
    this.emitError(error);
    if (message.type === MainFlags.whisper) this.disconnect(conn);
  }

  // ---------------------------------------------------------------- storage and routing

  #candidates(): Array<Positioned<ChordNode>> {
    const out: Array<Positioned<ChordNode>> = [];
    if (this.#storing) out.push({ item: this, id: this.#idInt });
    for (const p of this.#storingPositions()) out.push(p);
    return out;
  }

  #storingPositions(): Array<Positioned<MeshConnection>> {
    const out: Array<Positioned<MeshConnection>> = [];
    for (const conn of this.peers.values()) {
      if (this.#peerStoring.get(conn) !== true || conn.closed || conn.peerId === undefined) continue;
      const id = this.#peerInt(conn.peerId);
      if (id !== undefined) out.push({ item: conn, id });
    }
    return out;
  }

  #peerInt(peerId: string): bigint | undefined {
    let cached = this.#idInts.get(peerId);
    if (cached === undefined) {
      const parsed = parseRingKey(peerId);
      cached = parsed === undefined || parsed >= 1n << 384n ? null : parsed;
      if (this.#idInts.size >= MAX_ID_CACHE) this.#idInts.clear();
      this.#idInts.set(peerId, cached);
    }
    return cached ?? undefined;
  }

  #positionOf(node: ChordNode | undefined): bigint | undefined {
    if (node === undefined) return undefined;
    if (node === this) return this.#idInt;
    const id = (node as MeshConnection).peerId;
    return id === undefined ? undefined : this.#peerInt(id);
  }

  /** True when `x` would be a closer ring neighbour than the current ones (or one is missing). */
  #wouldBeNeighbour(x: bigint): boolean {
    const me = this.#idInt;
    if (x === me) return false;
    const succ = this.#positionOf(this.successor);
    const pred = this.#positionOf(this.predecessor);
    if (succ === undefined || succ === me || pred === undefined || pred === me) return this.#storing;
    return distance(me, x) < distance(me, succ) || distance(x, me) < distance(pred, me);
  }

  /** PROTOCOL.md 6.4 `store_one`: store here when responsible (or nobody is), else forward. */
  #storeOne(method: HashMethod, k: bigint, entry: Entry | null): void {
    const n = this.find(k);
    if (n === undefined || n === this) {
      if (entry === null) {
        if (this.#tables.delete(method, k) && this.#storing) this.#sendBackup(method, k, null);
        this.#backups.delete(method, k);
      } else if (!sameEntry(this.#tables.get(method, k), entry)) {
        // Keep the existing object for identical bytes, so replica repair sees nothing new.
        this.#tables.set(method, k, entry);
        this.#backups.delete(method, k);
        if (this.#storing) this.#sendBackup(method, k, entry);
      }
      return;
    }
    this.sendTo(n as MeshConnection, MainFlags.whisper, SubFlags.store, [METHOD_BIN[method], ringKeyBin(k), this.#wireValue(entry)]);
  }

  #deltaOne(method: HashMethod, k: bigint, delta: Mapping): void {
    const n = this.find(k);
    if (n === undefined || n === this) {
      const current = this.#tables.get(method, k)?.value;
      if (current !== undefined && current !== null && !isMapping(current)) {
        this.emitError(new NotAMappingError('delta for an entry that is not a map; ignored', { details: { method } }));
        return;
      }
      const merged = mergeMapping(current as Mapping | undefined, delta);
      const entry = { value: merged, raw: encodeMsgpack(merged).slice() };
      this.#tables.set(method, k, entry);
      if (this.#storing) this.#sendBackup(method, k, entry);
      return;
    }
    this.sendTo(n as MeshConnection, MainFlags.whisper, SubFlags.delta, [METHOD_BIN[method], ringKeyBin(k), delta]);
  }

  /**
   * PROTOCOL.md 6.4 `lookup`: the local entry when this node is responsible (or nobody is);
   * otherwise a retrieve is sent and `waiter`/`requester` are registered for the answer.
   */
  #lookup(
    method: HashMethod,
    k: bigint,
    requester: { connection: MeshConnection; method: unknown; key: unknown } | undefined,
    waiter: ((value: unknown) => void) | undefined,
    ttl: number,
  ): { kind: 'local'; value: unknown; entry: Entry | undefined } | { kind: 'remote'; release: () => void } {
    let n: ChordNode | undefined;
    if (this.peers.size > 0) {
      n = this.find(k);
    } else {
      const waiting = this.pendingConnections;
      n = waiting.length > 0 ? waiting[Math.floor(Math.random() * waiting.length)] : this;
    }
    // Never bounce a request back to the node that asked: answer from here instead.
    if (n === undefined || n === this || n === requester?.connection) {
      const entry = this.#tables.get(method, k);
      return { kind: 'local', value: entry?.value ?? null, entry };
    }
    const b58 = ringKeyBin(k);
    const entry: PendingLookup = this.#pending.ensure(`${method}|${fieldText(b58)}`, ttl);
    if (requester) entry.requesters.push(requester);
    const w = waiter ? (value: unknown) => waiter(value) : undefined;
    if (w) entry.waiters.add(w);
    this.sendTo(n as MeshConnection, MainFlags.whisper, SubFlags.retrieve, [METHOD_BIN[method], b58]);
    return {
      kind: 'remote',
      release: () => {
        if (w) entry.waiters.delete(w);
        this.#pending.release(entry);
      },
    };
  }

  #wireValue(entry: Entry | null | undefined): unknown {
    return entry ? new RawMsgpack(entry.raw) : null;
  }

  /** PROTOCOL.md 6.7 handoff to a peer that started storing; the local copy goes (F16). */
  #handoff(conn: MeshConnection): void {
    const peer = conn.peerId === undefined ? undefined : this.#peerInt(conn.peerId);
    if (peer === undefined) return;
    for (const [method, k, entry] of this.#tables.snapshot()) {
      if (distance(peer, k) < distance(this.#idInt, k)) this.#moveIfElsewhere(method, k, entry);
    }
  }

  /** Sends the entry to the node now responsible for it, if that is not this one, and drops it here. */
  #moveIfElsewhere(method: HashMethod, k: bigint, entry: Entry): boolean {
    const n = this.find(k);
    if (n === undefined || n === this) return false;
    this.sendTo(n as MeshConnection, MainFlags.whisper, SubFlags.store, [METHOD_BIN[method], ringKeyBin(k), this.#wireValue(entry)]);
    this.#tables.delete(method, k);
    return true;
  }

  #rehomeAll(): void {
    for (const [method, k, entry] of this.#tables.snapshot()) this.#moveIfElsewhere(method, k, entry);
    if (!this.#storing) this.#backups.clear();
  }

  /**
   * Replica repair (README, "Replication"). For every entry held here: if another node is now
   * responsible, move it there; else, when its user key is known, make sure the key's four
   * sibling slots are stored at their responsible nodes, with ordinary `store` messages. A slot
   * is pushed again only when its responsible node or the value changed since the last push.
   */
  #repair(full = false): void {
    if (this.closed) return;
    if (!this.#storing) {
      // Data kept by an unjoin without storing peers moves as soon as someone can take it.
      if (this.#tables.size > 0 && this.storingPeers().length > 0) this.#rehomeAll();
      return;
    }
    const pushed = new Map<string, [string, Entry]>();
    let sent = 0;
    // Backups: take over the ones we are now responsible for (their primary vanished); forget
    // the ones that belong to nobody directly ahead of us.
    const successor = this.successor;
    for (const [method, k, entry] of this.#backups.snapshot()) {
      const n = this.find(k);
      if (n === this) {
        if (!this.#tables.has(method, k)) this.#tables.set(method, k, entry);
        this.#backups.delete(method, k);
      } else if (n !== successor) {
        this.#backups.delete(method, k);
      }
    }
    const pred = this.predecessor;
    const predId = pred === undefined || pred === this ? undefined : (pred as MeshConnection).peerId;
    for (const [method, k, entry] of this.#tables.snapshot()) {
      if (this.#moveIfElsewhere(method, k, entry)) {
        sent++;
        continue;
      }
      if (predId !== undefined) {
        const slot = `backup|${method}|${k}`;
        const last = full ? undefined : this.#pushed.get(slot);
        if (!(last && last[0] === predId && last[1] === entry) && this.#sendBackup(method, k, entry)) sent++;
        pushed.set(slot, [predId, entry]);
      }
      const hex = this.#slotIndex.get(method)!.get(k);
      const key = hex === undefined ? undefined : this.#keys.get(hex);
      if (!key) continue;
      const hashes = getHashes(key);
      HASH_METHODS.forEach((sibling, j) => {
        const kj = hashes[j]!;
        if (sibling === method) return;
        const n = this.find(kj);
        if (n === undefined) return;
        if (n === this) {
          if (!this.#tables.has(sibling, kj)) {
            this.#tables.set(sibling, kj, entry);
            this.#sendBackup(sibling, kj, entry);
          }
          return;
        }
        const target = (n as MeshConnection).peerId ?? '';
        const slot = `${sibling}|${kj}`;
        const last = pushed.get(slot) ?? (full ? undefined : this.#pushed.get(slot));
        if (!(last && last[0] === target && last[1] === entry)) {
          this.#fillIfMissing(sibling, kj, n as MeshConnection, entry, () => this.#tables.get(method, k) === entry);
          sent++;
        }
        pushed.set(slot, [target, entry]);
      });
    }
    this.#pushed = pushed;
    if (sent > 0) this.logger.debug(`replica repair checked or sent ${sent} replicas`);
  }

  /**
   * Asks `conn` for a sibling slot and stores `entry` there only if it is missing: repair fills
   * lost replicas but never overwrites a value that is there (it may be newer than ours). A
   * forwarding node answers nil before the real value, so "missing" means two rounds of nothing
   * but nil, and our own copy (`own`) still unchanged when the store goes out.
   */
  #fillIfMissing(method: HashMethod, k: bigint, conn: MeshConnection, entry: Entry, own: () => boolean): void {
    const b58 = ringKeyBin(k);
    const round = (waitMs: number, then: () => void): void => {
      const pending = this.#pending.ensure(`${method}|${fieldText(b58)}`, this.#opts.forwardTimeout);
      let timer: TimerHandle | undefined;
      const stop = (): void => {
        pending.waiters.delete(waiter);
        this.#pending.release(pending);
        if (timer !== undefined) {
          this.clock.clearTimeout(timer);
          this.#timers.delete(timer);
        }
      };
      const waiter = (value: unknown): void => {
        if (value !== null && value !== undefined) {
          stop();
          return;
        }
        if (timer !== undefined) return;
        timer = this.clock.setTimeout(() => {
          stop();
          if (this.closed || conn.closed || this.find(k) !== conn || !own()) return;
          then();
        }, waitMs);
        this.#timers.add(timer);
      };
      pending.waiters.add(waiter);
      this.sendTo(conn, MainFlags.whisper, SubFlags.retrieve, [METHOD_BIN[method], b58]);
    };
    round(FILL_CONFIRM_MS, () =>
      round(FILL_CONFIRM_MS / 5, () => this.sendTo(conn, MainFlags.whisper, SubFlags.store, [METHOD_BIN[method], b58, this.#wireValue(entry)])),
    );
  }

  #scheduleRepair(): void {
    if (this.closed || this.#repairTimer !== undefined) return;
    this.#repairTimer = this.clock.setTimeout(() => {
      this.#repairTimer = undefined;
      this.#repair();
    }, this.#opts.republishDelay);
  }

  #armPeriodic(): void {
    const every = this.#opts.republishInterval;
    if (!(every > 0) || this.closed) return;
    this.#periodicTimer = this.clock.setTimeout(() => {
      this.#periodicTimer = undefined;
      this.#periodicRuns++;
      this.#repair(this.#periodicRuns % Math.max(1, this.#opts.fullRepairEvery) === 0);
      this.#armPeriodic();
    }, every);
  }

  #stopTimers(): void {
    this.clock.clearTimeout(this.#repairTimer);
    this.clock.clearTimeout(this.#periodicTimer);
    this.#repairTimer = undefined;
    this.#periodicTimer = undefined;
    for (const t of this.#timers) this.clock.clearTimeout(t);
    this.#timers.clear();
  }

  // ---------------------------------------------------------------- keys and meta

  #addKey(key: Uint8Array, local: boolean): void {
    const hex = toHex(key);
    if (this.#keys.has(hex)) return;
    if (this.#keys.size >= this.#opts.maxKeys) {
      this.#refusedKeys++;
      this.emitError(new LimitExceededError(`more than ${this.#opts.maxKeys} keys announced; key not remembered`, { details: { refused: this.#refusedKeys } }));
      return;
    }
    const copy = key.slice();
    this.#keys.set(hex, copy);
    const hashes = getHashes(copy);
    HASH_METHODS.forEach((m, i) => this.#slotIndex.get(m)!.set(hashes[i]!, hex));
    if (local) this.emit('add', { key: copy.slice() });
  }

  #removeKey(hex: string): void {
    const key = this.#keys.get(hex);
    if (!key) return;
    this.#keys.delete(hex);
    const hashes = getHashes(key);
    HASH_METHODS.forEach((m, i) => this.#slotIndex.get(m)!.delete(hashes[i]!));
    if (!this.closed) this.emit('delete', { key: key.slice() });
  }

  /** `send_meta`: meta "0"/"1", then one `whisper / notify [key]` per known key (PROTOCOL.md 6.3). */
  #sendMeta(conn: MeshConnection): void {
    if (conn.closed) return;
    this.sendTo(conn, MainFlags.whisper, SubFlags.handshake, [this.#storing ? '0' : '1']);
    for (const key of this.#keys.values()) this.sendTo(conn, MainFlags.whisper, SubFlags.notify, [key]);
  }

  /** join/unjoin (PROTOCOL.md 6.7): handshake, peers, meta on every connection, in py2p's order. */
  #announce(): void {
    for (const conn of this.allConnections) {
      if (conn.closed) continue;
      this.#suppressMeta = true;
      try {
        this.sendHandshake(conn);
      } finally {
        this.#suppressMeta = false;
      }
      this.sendPeers(conn);
      this.#sendMeta(conn);
    }
  }

  async #drain(): Promise<void> {
    const deadline = this.clock.now() + this.#opts.drainTimeout;
    while (this.allConnections.some((c) => !c.closed && c.writableLength > 0) && this.clock.now() < deadline) {
      await new Promise<void>((resolve) => {
        const t = this.clock.setTimeout(() => {
          this.#timers.delete(t);
          resolve();
        }, DRAIN_POLL_MS);
        this.#timers.add(t);
      });
    }
  }

  #assertOpen(): void {
    if (this.closed || this.#shutdown) throw new ClosedError('the socket is closed');
  }
}

function sameEntry(a: Entry | undefined, b: Entry): boolean {
  return a !== undefined && bytesEqual(a.raw, b.raw);
}
