/**
 * The chord socket (PROTOCOL.md section 6): a distributed hash table on top of the mesh. Every
 * key is stored five times, once per hash table, at the storing node nearest at or before each
 * hash on the 2^384 ring; reads need three matching answers. On top of py2p's behaviour it
 * repairs lost replicas with ordinary `store` messages (see the README, "Replication").
 *
 * This file is the facade: the public API, wired to the parts in context.ts through mesh's
 * extension contract (`extend()`).
 */
import {
  AbortError,
  ClosedError,
  KeyNotFoundError,
  NotAMappingError,
  Protocol,
  asP2PError,
  base58DecodeInt,
  encodeMsgpack,
  isMapping,
  toHex,
  type P2PError,
  type WaitOptions,
} from '@p2p/base';
import { MeshSocket, type MeshConnection, type MeshHost } from '@p2p/mesh';
import { createContext, type ChordContext, type ChordNode } from './context';
import type { ChordEvents } from './events';
import { chordHandlers } from './handlers';
import { HASH_METHODS, chordKeyBytes, getHashes, type ChordKey, type HashMethod } from './hashing';
import { trimLeastEfficient } from './fingers';
import { announce, sendMeta } from './membership';
import { assertWriteFits, notifyAddMessage, notifyDeleteMessage } from './messages';
import { DEFAULT_GET_TIMEOUT, resolveChordSettings, type ChordSocketOptions } from './options';
import { mergeMapping, type Mapping } from './payloads';
import { keyRead, type QuorumRead } from './quorum-read';
import { ChordRecords } from './records-api';
import type { Entry } from './tables';

export type { ChordNode } from './context';

/** Options of the reading calls (`get`, `pop`, `values`, ...). */
export interface GetOptions extends WaitOptions {
  /** Milliseconds before giving up. @default 10000 */
  timeout?: number;
}

const MISSING: unique symbol = Symbol('missing');

/**
 * A chord DHT node. Create one with {@link ChordSocket.listen}, connect it, `join()` to store
 * data for others, `close()` when done.
 */
export class ChordSocket extends MeshSocket<ChordEvents> {
  static override readonly defaultProtocol: Protocol = new Protocol('chord', 'Plaintext');

  readonly #host: MeshHost;
  readonly #ctx: ChordContext;
  readonly #k: number | undefined;
  /** Reads in flight; they reject with `CLOSED` when the socket closes. */
  readonly #reads = new Set<QuorumRead>();
  /** Signed mutable records, in authenticated subnets: `put`, `get` (README, "Signed records"). */
  readonly records: ChordRecords = new ChordRecords(() => this.#ctx);

  protected constructor(options: ChordSocketOptions = {}) {
    super(options);
    this.#k = options.k;
    this.#host = this.extend({
      handlers: chordHandlers(() => this.#ctx),
      started: () => this.#started(),
      // F15: meta (and key notifies) after our handshake on every connection, dialed or accepted.
      handshakeSent: (conn) => sendMeta(this.#ctx, conn),
      shouldAutoConnect: (peerId, addr, byDefault) => this.#ctx.fingers.shouldAutoConnect(peerId, addr, byDefault),
      connectionClosed: (conn) => this.#connectionClosed(conn),
      closing: () => this.#closing(),
      closed: () => this.#release(),
    });
    this.#ctx = createContext({
      self: this,
      host: this.#host,
      settings: resolveChordSettings(options),
      // Every notify of a flood announces a key: no copy unless someone listens.
      emitKey: (event, key) => {
        if (this.listenerCount(event) > 0) this.emit(event, { key: key.slice() });
      },
      disconnect: (conn) => this.disconnect(conn),
      pendingConnections: () => this.pendingConnections,
      outgoingCount: () => this.outgoingIds().length,
      dial: (addr, id, timeout) => this.connect(addr[0], addr[1], { id, timeout }),
    });
  }

  /**
   * Binds, listens and returns a ready node. It starts as a leecher (it reads and writes but
   * stores nothing for others) until {@link join} is called.
   * @throws ListenFailedError (`LISTEN_FAILED`), TransportNotFoundError (`TRANSPORT_NOT_FOUND`)
   */
  static override listen(options: ChordSocketOptions = {}): Promise<ChordSocket> {
    return ChordSocket.open(new ChordSocket(options));
  }

  // ---------------------------------------------------------------- state

  /** This node's id as a ring position (py2p's `id_10`). */
  get idInt(): bigint {
    return this.#ctx.ring.idInt;
  }

  /** True between `join()` and `unjoin()` (py2p's `not leeching`). */
  get isStoring(): boolean {
    return this.#ctx.ring.storing;
  }

  /** Routed peers that said they store data (py2p's `data_storing`). */
  storingPeers(): MeshConnection[] {
    return this.#ctx.ring.storingPeers();
  }

  /** Entries this node holds for the network, all five tables together. */
  get storedEntries(): number {
    return this.#ctx.store.tables.size;
  }

  /** Backup copies held for the storing node directly ahead (TS-only; not served to reads). */
  get backupEntries(): number {
    return this.#ctx.store.backups.size;
  }

  /** Retrievals in flight (own reads and forwarded ones); bounded and expired (F3). */
  get pendingLookups(): number {
    return this.#ctx.lookups.size;
  }

  /**
   * The node responsible for ring key `k` among this node (when storing) and its storing peers:
   * the nearest one at or before `k` (PROTOCOL.md 6.2). Undefined when there is no candidate.
   */
  find(k: bigint): ChordNode | undefined {
    return this.#ctx.ring.find(k);
  }

  /** The candidate nearest at or after `k` (py2p's `find_prev`). */
  findPrev(k: bigint): ChordNode | undefined {
    return this.#ctx.ring.findPrev(k);
  }

  /** py2p's name for {@link findPrev}. */
  find_prev(k: bigint): ChordNode | undefined {
    return this.findPrev(k);
  }

  /** The nearest storing node behind this one: `find(id - 1)` (py2p's `next`, see PROTOCOL.md 6.2). */
  get predecessor(): ChordNode | undefined {
    return this.#ctx.ring.predecessor;
  }

  /** The nearest storing node ahead of this one: `findPrev(id + 1)` (py2p's `prev`). */
  get successor(): ChordNode | undefined {
    return this.#ctx.ring.successor;
  }

  /** py2p's `next`: identical to {@link predecessor} (`find(id - 1)`). */
  get next(): ChordNode | undefined {
    return this.predecessor;
  }

  /** py2p's `prev`: identical to {@link successor} (`findPrev(id + 1)`). */
  get prev(): ChordNode | undefined {
    return this.successor;
  }

  /**
   * Entries held here that are closer to `start` than to `end`
   * (`distance(start, k) < distance(end, k)`), per table: what a handoff to `start` would move.
   */
  dumpData(start: bigint, end: bigint): Record<HashMethod, Map<bigint, unknown>> {
    return this.#ctx.store.dumpData(start, end);
  }

  /** py2p's name for {@link dumpData}. */
  dump_data(start: bigint, end: bigint): Record<HashMethod, Map<bigint, unknown>> {
    return this.dumpData(start, end);
  }

  /**
   * PROTOCOL.md 6.8: closes the outgoing storing peer in the tightest cluster of the ring. As an
   * improvement it never closes this node's ring neighbours or fingers, which routing needs.
   * Returns whether it closed a connection.
   */
  disconnectLeastEfficient(): boolean {
    return trimLeastEfficient(this.#ctx);
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
    if (this.#ctx.ring.storing) return;
    this.#ctx.ring.storing = true;
    announce(this.#ctx);
    this.#ctx.replication.scheduleRepair();
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

  // ---------------------------------------------------------------- writes

  /**
   * Stores `value` under `key` in all five tables (routed greedily to the responsible nodes)
   * and announces a new key with `notify`. `null`/`undefined` deletes.
   * @throws EncodeError (`ENCODE_ERROR`) before anything is stored or sent; ClosedError (`CLOSED`)
   */
  set(key: ChordKey, value: unknown): void {
    this.#assertOpen();
    const bytes = chordKeyBytes(key);
    const v = value === undefined ? null : value;
    // F19: fail on unencodable values before anything is stored or sent.
    const entry: Entry | null = v === null ? null : { value: v, raw: encodeMsgpack(v).slice() };
    if (entry) assertWriteFits(entry.raw.length, this.#host.limits.maxFrameBytes);
    const hashes = getHashes(bytes);
    HASH_METHODS.forEach((method, i) => this.#ctx.writes.store(method, hashes[i]!, entry));
    const { store } = this.#ctx;
    if (v === null) {
      if (store.removeKey(bytes)) this.#ctx.writes.announce(notifyDeleteMessage(bytes));
    } else if (!store.hasKey(bytes)) {
      store.addKey(bytes, true);
      this.#ctx.writes.announce(notifyAddMessage(bytes));
    }
  }

  /**
   * Deletes `key` everywhere (stores nil in all five tables, broadcasts `notify [key, "del"]`).
   * @throws KeyNotFoundError (`KEY_NOT_FOUND`) when this node never heard of the key
   */
  delete(key: ChordKey): void {
    this.#assertOpen();
    const bytes = chordKeyBytes(key);
    if (!this.#ctx.store.hasKey(bytes)) {
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
    assertWriteFits(encodeMsgpack(delta).length, this.#host.limits.maxFrameBytes);
    const bytes = chordKeyBytes(key);
    const current = await this.get(bytes, MISSING, options);
    if (current !== MISSING && current !== null && !isMapping(current)) {
      throw new NotAMappingError('the stored value is not a map', { details: { key: toHex(bytes) } });
    }
    const hashes = getHashes(bytes);
    HASH_METHODS.forEach((method, i) => this.#ctx.writes.delta(method, hashes[i]!, delta));
    if (!this.#ctx.store.hasKey(bytes)) {
      this.#ctx.store.addKey(bytes, true);
      this.#ctx.writes.announce(notifyAddMessage(bytes));
    }
    return mergeMapping(current === MISSING || current === null ? undefined : (current as Mapping), delta);
  }

  /** py2p's name for {@link applyDelta}. */
  apply_delta(key: ChordKey, delta: Mapping, options?: GetOptions): Promise<Mapping> {
    return this.applyDelta(key, delta, options);
  }

  // ---------------------------------------------------------------- reads

  /**
   * Reads `key`: asks the nodes responsible for three of the five hashes (this node's own tables
   * first), the other two when those cannot agree or after `hedgeDelay`, and resolves with the
   * first value that three of them agree on (PROTOCOL.md 6.5). Nil answers are not final (a
   * forwarding py2p node answers nil before the real value), so a missing key usually costs the
   * whole timeout. Without a fallback it rejects with `TIMEOUT`, `NO_CONSENSUS` (answers
   * disagree), `KEY_NOT_FOUND` (all five tables are local and empty) or `ABORTED`; with one,
   * it resolves with the fallback instead (except on abort).
   */
  get(key: ChordKey, fallback?: unknown, options: GetOptions = {}): Promise<unknown> {
    if (this.closed) return Promise.reject(new ClosedError('the socket is closed'));
    const bytes = chordKeyBytes(key);
    const { signal, timeout = DEFAULT_GET_TIMEOUT } = options;
    if (signal?.aborted) return Promise.reject(new AbortError('get was aborted', { cause: signal.reason }));
    const read = keyRead(this.#ctx, bytes, timeout, signal);
    const result = read.run().finally(() => this.#reads.delete(read));
    this.#reads.add(read);
    return result.catch((err: unknown) => {
      const error = asP2PError(err);
      if (fallback !== undefined && error.code !== 'ABORTED' && error.code !== 'CLOSED') return fallback;
      throw error;
    });
  }

  /** Known keys (announced by notify messages), as bytes. */
  *keys(): IterableIterator<Uint8Array> {
    for (const key of this.#ctx.store.keys()) yield key.slice();
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
    const bytes = chordKeyBytes(key);
    const value = await this.get(bytes, MISSING, options).catch((err: P2PError) => {
      if (fallback === undefined) throw err;
      return MISSING;
    });
    if (value === MISSING) {
      if (fallback === undefined) throw new KeyNotFoundError('no such key', { details: { key: toHex(bytes) } });
      return fallback;
    }
    if (this.#ctx.store.hasKey(bytes)) this.delete(bytes);
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

  // ---------------------------------------------------------------- mesh hooks

  #started(): void {
    this.#ctx.ring.idInt = base58DecodeInt(this.#host.id);
    if (this.#k !== undefined) {
      // PROTOCOL.md 6.9: accepted for source compatibility only.
      this.#host.logger.warn(`the 'k' option (${this.#k}) belongs to the 2016 API and is ignored; the ring is always 2^384`);
    }
    this.#ctx.replication.armPeriodic();
  }

  #connectionClosed(conn: MeshConnection): void {
    const { ring, replication, fingers, lookups } = this.#ctx;
    if (conn.peerId !== undefined) ring.noteClosed(conn.peerId, this.#host.clock.now());
    fingers.noteClosed(conn);
    lookups.linkClosed(conn);
    if (ring.isStoringPeer(conn)) replication.scheduleRepair();
  }

  /**
   * `close()`: hands data off when storing (as py2p's destructor calls `unjoin`, unless
   * `handoffOnClose` is false), then releases timers; pending reads reject with `CLOSED`.
   */
  async #closing(): Promise<void> {
    if (this.#ctx.settings.handoffOnClose && this.#ctx.ring.storing) {
      try {
        await this.#leave();
      } catch (err) {
        this.#host.logger.debug(`handoff on close failed: ${String(err)}`);
      }
    }
    this.#release();
  }

  /** Closed or destroyed: no timer left, no read pending. Safe to run twice. */
  #release(): void {
    this.#ctx.replication.stop();
    this.#ctx.fingers.stop();
    const closed = new ClosedError('the socket is closed');
    for (const read of [...this.#reads]) read.fail(closed);
    this.#ctx.lookups.clear();
  }

  async #leave(): Promise<void> {
    const { ring, replication } = this.#ctx;
    if (!ring.storing) return;
    ring.storing = false;
    announce(this.#ctx);
    replication.rehomeAll();
    await replication.drain();
  }

  #assertOpen(): void {
    if (this.closed) throw new ClosedError('the socket is closed');
  }
}
