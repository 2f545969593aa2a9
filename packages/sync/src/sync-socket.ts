/**
 * The replicated dictionary (PROTOCOL.md section 5): every node holds a copy; writes are
 * broadcast as `store` / `delta` messages and checked against one-hour leases; a node that
 * connects receives the whole dictionary (the join replay).
 */
import {
  ClosedError,
  HandlerError,
  asP2PError,
  KeyNotFoundError,
  NotAMappingError,
  Protocol,
  RawMsgpack,
  SubFlags,
  decodeMsgpack,
  isMapping,
  keyBytes,
  encodeMsgpack,
  toHex,
  type CounterSeries,
} from '@p2p/base';
import { MeshSocket, type MeshHost } from '@p2p/mesh';
import { LeaseHeldError, leaseHeldMessage } from './errors';
import type { SyncEvents } from './events';
import { keyId, type SyncKey } from './keys';
import { allowed, type SyncMeta } from './lease';
import { leaseRefusals } from './metrics';
import type { SyncSocketOptions } from './options';
import { Outbox } from './outbox';
import { signWrite } from './signed-writes';
import { WriteClock } from './write-clock';
import { isRawMap, mergeRawMaps } from './raw-map';
import { Replication } from './replication';
import { SyncState } from './state';
import { DEFAULT_MAX_TOMBSTONES, DEFAULT_TOMBSTONE_SECONDS } from './tombstones';

/**
 * A sync node: a {@link MeshSocket} that also holds a dictionary shared with every node of its
 * network. Create one with {@link SyncSocket.listen}; `close()` it when done.
 *
 * Keys are bytes (strings stand for their UTF-8); values are any msgpack value except nil.
 * Reads are local and return fresh copies.
 */
export class SyncSocket extends MeshSocket<SyncEvents> {
  /** `Protocol('sync', 'Plaintext')`; the subnet actually used gets the leasing digit (5.1). */
  static override readonly defaultProtocol: Protocol = new Protocol('sync', 'Plaintext');

  readonly #leasing: boolean;
  readonly #state: SyncState;
  readonly #data: SyncState['data'];
  readonly #host: MeshHost;
  readonly #refused: CounterSeries;
  readonly #outbox: Outbox;
  readonly #clock: WriteClock;

  protected constructor(options: SyncSocketOptions = {}) {
    const leasing = options.leasing ?? true;
    // PROTOCOL.md 5.1: subnet + "1" with leasing, + "0" without.
    const base = options.protocol ?? SyncSocket.defaultProtocol;
    const clock = new WriteClock(options.clock);
    super({ ...options, clock, protocol: new Protocol(base.subnet + (leasing ? '1' : '0'), base.encryption, { auth: base.auth }) });
    this.#leasing = leasing;
    this.#clock = clock;
    this.#state = new SyncState({
      keepSeconds: options.tombstoneSeconds ?? DEFAULT_TOMBSTONE_SECONDS,
      maxTombstones: options.maxTombstones ?? DEFAULT_MAX_TOMBSTONES,
      events: {
        wantsUpdates: () => this.listenerCount('update') > 0,
        update: (u) => this.emit('update', u),
        delete: (d) => this.emit('delete', d),
      },
    });
    this.#data = this.#state.data;
    const replication = new Replication(this.#state, leasing);
    const outbox = new Outbox({
      send: (write) => clock.at(write.atMs, () => this.#host.broadcast(write.type, write.packets)),
      report: (err) => this.#host.reportError(asP2PError(err, HandlerError)),
    });
    this.#outbox = outbox;
    // PROTOCOL.md 4.7: after the mesh's built-ins, sync's store then delta (then TS-only ones).
    this.#host = this.extend({
      handlers: replication.handlers(),
      started: () => replication.started(),
      handshakeSent: (conn) => replication.handshakeSent(conn),
      // PROTOCOL.md 5.3: after a peer's handshake, send it what it lacks, with metadata.
      peerHandshake: (conn) => replication.peerHandshake(conn),
      connectionClosed: (conn) => replication.connectionClosed(conn),
      // Writes queued in this tick leave before the links close.
      closing: () => outbox.flush(),
      closed: () => {
        outbox.clear();
        replication.closed();
      },
    });
    replication.attach(this.#host, () => outbox.flush());
    this.#refused = leaseRefusals(this.#host.metrics).local;
  }

  /** Deletes remembered against older values that may come back (`tombstoneSeconds`, `maxTombstones`). */
  get tombstoneCount(): number {
    return this.#state.tombstones.size;
  }

  /**
   * Binds, listens and returns a ready node.
   * @throws ListenFailedError (`LISTEN_FAILED`), TransportNotFoundError (`TRANSPORT_NOT_FOUND`)
   */
  static override listen(options: SyncSocketOptions = {}): Promise<SyncSocket> {
    return SyncSocket.open(new SyncSocket(options));
  }

  /** Whether this node enforces leases (fixed at `listen`). */
  get leasing(): boolean {
    return this.#leasing;
  }

  // ---------------------------------------------------------------- reads

  /** Number of keys held. */
  get size(): number {
    return this.#data.size;
  }

  /** True when a value is held for `key`. */
  has(key: SyncKey): boolean {
    return this.#data.has(keyId(keyBytes(key, 'a sync key')));
  }

  /** The value of `key` (a fresh copy), or `fallback` when none is held. */
  get(key: SyncKey, fallback?: unknown): unknown {
    const entry = this.#data.get(keyId(keyBytes(key, 'a sync key')));
    return entry === undefined ? fallback : decodeMsgpack(entry.raw);
  }

  /**
   * The value of `key` (a fresh copy).
   * @throws KeyNotFoundError (`KEY_NOT_FOUND`) when none is held
   */
  getOrThrow(key: SyncKey): unknown {
    const entry = this.#data.get(keyId(keyBytes(key, 'a sync key')));
    if (entry === undefined) throw notFound(keyBytes(key, 'a sync key'));
    return decodeMsgpack(entry.raw);
  }

  /** Who wrote `key` last and when, or undefined when no value is held. */
  getMeta(key: SyncKey): SyncMeta | undefined {
    const entry = this.#data.get(keyId(keyBytes(key, 'a sync key')));
    return entry === undefined ? undefined : Object.freeze({ owner: entry.owner, timestamp: entry.timestamp });
  }

  /** The keys, in insertion order (copies of their bytes). */
  *keys(): IterableIterator<Uint8Array> {
    for (const entry of this.#data.values()) yield entry.key.slice();
  }

  /** The values, in key insertion order (fresh copies). */
  *values(): IterableIterator<unknown> {
    for (const entry of this.#data.values()) yield decodeMsgpack(entry.raw);
  }

  /** `[key, value]` pairs, in insertion order. */
  *entries(): IterableIterator<[Uint8Array, unknown]> {
    for (const entry of this.#data.values()) yield [entry.key.slice(), decodeMsgpack(entry.raw)];
  }

  /** py2p's name for {@link entries}. */
  items(): IterableIterator<[Uint8Array, unknown]> {
    return this.entries();
  }

  /** Iterates the keys, as iterating a Python dict does. */
  [Symbol.iterator](): IterableIterator<Uint8Array> {
    return this.keys();
  }

  /** A snapshot of every pair (JS maps cannot key by byte content, hence an array). */
  copy(): Array<[Uint8Array, unknown]> {
    return [...this.entries()];
  }

  // ---------------------------------------------------------------- writes

  /**
   * Stores `value` under `key` and broadcasts it. A nil value (`null` / `undefined`) deletes
   * the key, as py2p. The value is encoded first: on `ENCODE_ERROR` nothing is stored or sent.
   * @throws LeaseHeldError (`LEASE_HELD`), EncodeError (`ENCODE_ERROR`), ClosedError (`CLOSED`),
   *   InvalidArgumentError (`INVALID_ARGUMENT`) for a key that is neither text nor bytes
   */
  set(key: SyncKey, value: unknown): void {
    this.#assertOpen();
    const bytes = keyBytes(key, 'a sync key');
    if (value === null || value === undefined) {
      this.delete(bytes);
      return;
    }
    const raw = ownBytes(encodeMsgpack(value));
    const id = keyId(bytes);
    this.#checkLease(id, bytes, this.#ownMeta(), false);
    this.#store(id, bytes, raw);
  }

  /**
   * Deletes `key` everywhere (broadcasts `store [key, nil]`).
   * @throws KeyNotFoundError (`KEY_NOT_FOUND`) when no value is held: nothing is sent, so a
   *   py2p peer is never made to drop the connection (F10); LeaseHeldError (`LEASE_HELD`)
   */
  delete(key: SyncKey): void {
    this.#assertOpen();
    const bytes = keyBytes(key, 'a sync key');
    const id = keyId(bytes);
    const entry = this.#data.get(id);
    if (entry === undefined) throw notFound(bytes);
    this.#checkLease(id, bytes, this.#ownMeta(), false);
    this.#remove(id, bytes);
  }

  /** py2p / js2p's name for {@link delete}. */
  del(key: SyncKey): void {
    this.delete(key);
  }

  /**
   * Sets every pair (nil values delete). Everything is checked first (encoding, leases, keys
   * to delete): when any pair would fail, nothing is stored or sent.
   * @throws as {@link set} and {@link delete}
   */
  update(entries: Iterable<readonly [SyncKey, unknown]> | Record<string, unknown>): void {
    this.#assertOpen();
    const pairs: Array<readonly [SyncKey, unknown]> = isIterable(entries) ? [...entries] : Object.entries(entries);
    {
      const meta = this.#ownMeta();
      const present = new Set<string>();
      const absent = new Set<string>();
      const prepared = pairs.map(([key, value]) => {
        const bytes = keyBytes(key, 'a sync key');
        const id = keyId(bytes);
        const raw = value === null || value === undefined ? undefined : ownBytes(encodeMsgpack(value));
        const held = present.has(id) || (!absent.has(id) && this.#data.has(id));
        if (raw === undefined && !held) throw notFound(bytes);
        this.#checkLease(id, bytes, meta, false);
        if (raw === undefined) {
          present.delete(id);
          absent.add(id);
        } else {
          absent.delete(id);
          present.add(id);
        }
        return { bytes, id, raw };
      });
      for (const { bytes, id, raw } of prepared) {
        if (raw === undefined) this.#remove(id, bytes);
        else this.#store(id, bytes, raw);
      }
    }
  }

  /**
   * Merges `delta` into the map stored under `key` (an absent key starts as an empty map) and
   * broadcasts the delta. With leasing off, deltas from every node apply (5.4).
   * @throws NotAMappingError (`NOT_A_MAPPING`) when `delta` or the stored value is not a map;
   *   LeaseHeldError (`LEASE_HELD`), EncodeError (`ENCODE_ERROR`), ClosedError (`CLOSED`)
   */
  applyDelta(key: SyncKey, delta: Record<string, unknown> | Map<unknown, unknown>): void {
    this.#assertOpen();
    const bytes = keyBytes(key, 'a sync key');
    if (!isMapping(delta)) throw new NotAMappingError('a delta must be a plain object or a Map');
    const deltaRaw = ownBytes(encodeMsgpack(delta));
    const id = keyId(bytes);
    const entry = this.#data.get(id);
    if (entry !== undefined && !isRawMap(entry.raw)) {
      throw new NotAMappingError('the value stored under this key is not a map', { details: { key: toHex(bytes) } });
    }
    this.#checkLease(id, bytes, this.#ownMeta(), true);
    this.#write(id, bytes, mergeRawMaps(entry?.raw, deltaRaw), deltaRaw);
  }

  /** py2p's name for {@link applyDelta}. */
  apply_delta(key: SyncKey, delta: Record<string, unknown> | Map<unknown, unknown>): void {
    this.applyDelta(key, delta);
  }

  /**
   * Deletes `key` and returns its value; returns `fallback` when no value is held and a
   * fallback was given.
   * @throws KeyNotFoundError (`KEY_NOT_FOUND`) without a fallback; as {@link delete}
   */
  pop(key: SyncKey, ...fallback: [] | [unknown]): unknown {
    const bytes = keyBytes(key, 'a sync key');
    const entry = this.#data.get(keyId(bytes));
    if (entry === undefined) {
      if (fallback.length > 0) return fallback[0];
      throw notFound(bytes);
    }
    const value = decodeMsgpack(entry.raw);
    this.delete(bytes);
    return value;
  }

  /**
   * Deletes and returns the oldest pair this node may delete, or undefined when it holds none.
   * @throws LeaseHeldError (`LEASE_HELD`) when every key is leased to another node
   */
  popItem(): [Uint8Array, unknown] | undefined {
    if (this.#data.size === 0) return undefined;
    const meta = this.#ownMeta();
    for (const entry of this.#data.values()) {
      if (this.#allowed(entry, meta, false)) {
        const value = decodeMsgpack(entry.raw);
        this.delete(entry.key);
        return [entry.key.slice(), value];
      }
    }
    this.#refused.inc();
    throw new LeaseHeldError('every key is leased to another node');
  }

  /** py2p's name for {@link popItem}. */
  popitem(): [Uint8Array, unknown] | undefined {
    return this.popItem();
  }

  // ---------------------------------------------------------------- internals

  /** `store [key, value]`. */
  #store(id: string, key: Uint8Array, raw: Uint8Array): void {
    this.#write(id, key, raw);
  }

  /** `store [key, nil]`: a delete. */
  #remove(id: string, key: Uint8Array): void {
    this.#write(id, key, undefined);
  }

  /**
   * A local write of `key`: a value (`raw`), a delete (`raw` undefined) or a delta (`deltaRaw`,
   * `raw` being the merged map). It is applied here at once and its broadcast is queued for the
   * end of the tick (outbox.ts), dated now: the message carries this time (write-clock.ts), as
   * every receiver records it. In an authenticated subnet the write is signed (signed-writes.ts)
   * and a delta goes out as the store of the merged map, the version its signature covers. A
   * write that may come near `maxFrameBytes` goes out at once, before anything is applied, so
   * `FRAME_TOO_LARGE` is thrown by the call with nothing stored.
   */
  #write(id: string, key: Uint8Array, raw: Uint8Array | undefined, deltaRaw?: Uint8Array): void {
    const atMs = this.#clock.now();
    const meta = { owner: this.id, timestamp: Math.floor(atMs / 1000) };
    const identity = this.#host.identity;
    const proof = identity === undefined ? undefined : signWrite(identity, this.protocol.subnet, { key, raw, ...meta });
    const type = deltaRaw !== undefined && proof === undefined ? SubFlags.delta : SubFlags.store;
    const body = type === SubFlags.delta ? deltaRaw : raw;
    const packets: unknown[] = [key, body === undefined ? null : new RawMsgpack(body)];
    if (proof !== undefined) packets.push(proof.publicKey, proof.signature);
    const apply = (): void => {
      if (raw === undefined) this.#state.remove(id, key, { ...meta, proof }, this.#host.nowSeconds());
      else this.#state.put(id, { key, raw, ...meta, proof });
    };
    if (key.length + (body?.length ?? 0) + this.id.length + INLINE_MARGIN_BYTES > this.#host.limits.maxFrameBytes) {
      this.#outbox.flush();
      this.#clock.at(atMs, () => this.#host.broadcast(type, packets));
      apply();
      return;
    }
    apply();
    this.#outbox.push({ type, packets, atMs });
  }

  #allowed(entry: SyncMeta | undefined, meta: SyncMeta, isDelta: boolean): boolean {
    return allowed(entry, meta, { isDelta, leasing: this.#leasing, now: this.#host.nowSeconds() });
  }

  #checkLease(id: string, bytes: Uint8Array, meta: SyncMeta, isDelta: boolean): void {
    const entry = this.#data.get(id);
    if (this.#allowed(entry, meta, isDelta)) return;
    this.#refused.inc();
    throw new LeaseHeldError(leaseHeldMessage(bytes, entry!.owner, entry!.timestamp + 3600, this.#host.nowSeconds()), {
      details: { key: toHex(bytes), owner: entry!.owner, timestamp: entry!.timestamp },
    });
  }

  /** The metadata a write would get now (for the lease check before sending). */
  #ownMeta(): SyncMeta {
    return { owner: this.id, timestamp: this.#host.nowSeconds() };
  }

  #assertOpen(): void {
    if (this.closed) throw new ClosedError('the socket is closed');
  }
}

/**
 * Room left in a frame, beyond the key, the value and the sender id, for the rest of a store
 * message (headers, time, sub-flag, checksum, and in an authenticated subnet the signatures
 * and public key); a write that could come closer to `maxFrameBytes` is sent at once.
 */
const INLINE_MARGIN_BYTES = 512;

function notFound(bytes: Uint8Array): KeyNotFoundError {
  return new KeyNotFoundError('no value is held for this key', { details: { key: toHex(bytes) } });
}

/** The encoder may return a view of a larger buffer; stored values own exactly their bytes. */
function ownBytes(bytes: Uint8Array): Uint8Array {
  return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : bytes.slice();
}

function isIterable(value: unknown): value is Iterable<readonly [SyncKey, unknown]> {
  return value !== null && typeof value === 'object' && typeof (value as Iterable<unknown>)[Symbol.iterator] === 'function';
}
