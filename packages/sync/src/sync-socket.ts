/**
 * The replicated dictionary (PROTOCOL.md section 5): every node holds a copy; writes are
 * broadcast as `store` / `delta` messages and checked against one-hour leases; a node that
 * connects receives the whole dictionary (the join replay).
 */
import {
  BadMessageError,
  ClosedError,
  KeyNotFoundError,
  MainFlags,
  NotAMappingError,
  Protocol,
  RawMsgpack,
  SubFlags,
  decodeMsgpack,
  isMapping,
  keyBytes,
  encodeMsgpack,
  sha256,
  toHex,
  utf8Encode,
  type Message,
  type WireMessage,
} from '@p2p/base';
import { MeshSocket, type MeshConnection, type MeshHost, type SentMessage } from '@p2p/mesh';
import { LeaseHeldError } from './errors';
import type { SyncEvents } from './events';
import { keyId, type SyncKey } from './keys';
import { allowed, supersedes, type SyncMeta, type Version } from './lease';
import type { SyncSocketOptions } from './options';
import { parseDelta, parseStore, type ReplayStore } from './payloads';
import { isRawMap, mergeRawMaps } from './raw-map';

/** One stored key: its bytes, the msgpack of its value, and the lease metadata. */
interface Entry extends Version {
  readonly key: Uint8Array;
}

/** Versions forwarded or answered per connection, remembered so each goes out at most once. */
const MAX_TOLD_PER_CONNECTION = 10_000;

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
  readonly #data = new Map<string, Entry>();
  readonly #told = new WeakMap<MeshConnection, Set<string>>();
  readonly #host: MeshHost;

  protected constructor(options: SyncSocketOptions = {}) {
    const leasing = options.leasing ?? true;
    // PROTOCOL.md 5.1: subnet + "1" with leasing, + "0" without.
    const base = options.protocol ?? SyncSocket.defaultProtocol;
    super({ ...options, protocol: new Protocol(base.subnet + (leasing ? '1' : '0'), base.encryption) });
    this.#leasing = leasing;
    // PROTOCOL.md 4.7: after the mesh's built-ins, sync's store then delta.
    this.#host = this.extend({
      handlers: new Map([
        [SubFlags.store, (msg, conn, wire) => this.#handleStore(msg, conn, wire)],
        [SubFlags.delta, (msg, conn, wire) => this.#handleDelta(msg, conn, wire)],
      ]),
      // PROTOCOL.md 5.3: after a peer's handshake, send it every key with its metadata.
      peerHandshake: (conn) => this.#replay(conn),
    });
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
    const sent = this.#host.broadcast(SubFlags.store, [bytes, new RawMsgpack(raw)]);
    this.#put(id, { key: bytes, raw, ...this.#metaOf(sent) });
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
    this.#host.broadcast(SubFlags.store, [bytes, null]);
    this.#remove(id, entry);
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
        if (raw === undefined) {
          this.#host.broadcast(SubFlags.store, [bytes, null]);
          this.#remove(id, this.#data.get(id)!);
        } else {
          const sent = this.#host.broadcast(SubFlags.store, [bytes, new RawMsgpack(raw)]);
          this.#put(id, { key: bytes, raw, ...this.#metaOf(sent) });
        }
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
    const sent = this.#host.broadcast(SubFlags.delta, [bytes, new RawMsgpack(deltaRaw)]);
    this.#put(id, { key: bytes, raw: mergeRawMaps(entry?.raw, deltaRaw), ...this.#metaOf(sent) });
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
    throw new LeaseHeldError('every key is leased to another node');
  }

  /** py2p's name for {@link popItem}. */
  popitem(): [Uint8Array, unknown] | undefined {
    return this.popItem();
  }

  // ---------------------------------------------------------------- replication

  /** PROTOCOL.md 5.3: after a peer's handshake, send it every key with its metadata. */
  #replay(conn: MeshConnection): void {
    for (const entry of [...this.#data.values()]) {
      if (conn.closed) return;
      this.#sendVersion(conn, entry);
    }
  }

  #handleStore(message: Message, conn: MeshConnection, wire: WireMessage): boolean {
    if (message.packets[0] !== SubFlags.store) return false;
    const store = parseStore(message.packets, wire.packed);
    if (store.kind === 'malformed') {
      this.#malformed(conn, wire, store.reason);
      return true;
    }
    if (store.kind === 'replay') {
      this.#handleReplay(store, conn);
      return true;
    }
    const id = keyId(store.key);
    const entry = this.#data.get(id);
    const meta: SyncMeta = { owner: wire.sender, timestamp: wire.time };
    if (store.raw === undefined) {
      // F10: a delete of a key we do not hold is a no-op, never a dropped connection.
      if (entry !== undefined && this.#allowed(entry, meta, false)) this.#remove(id, entry);
      return true;
    }
    // Not allowed: ignored silently, as py2p.
    if (this.#allowed(entry, meta, false)) this.#put(id, { key: store.key, raw: store.raw, ...meta });
    return true;
  }

  /**
   * The join replay with our F16 improvement (README, "Convergence"): instead of py2p's "ignore
   * when a value is held", the version that the lease rules keep (`supersedes`) wins. A new
   * winner is passed on to the other peers, and a losing sender is answered with the winner,
   * so every node of both sides ends up with the same version.
   */
  #handleReplay(store: ReplayStore, conn: MeshConnection): void {
    const id = keyId(store.key);
    const held = this.#data.get(id);
    const incoming: Entry = { key: store.key, raw: store.raw, owner: store.owner, timestamp: store.timestamp };
    if (held !== undefined && sameVersion(held, incoming)) return;
    if (held === undefined || supersedes(incoming, held, { leasing: this.#leasing, now: this.#host.nowSeconds() })) {
      this.#put(id, incoming);
      for (const peer of this.peers.values()) if (peer !== conn) this.#tell(peer, incoming);
    } else {
      this.#tell(conn, held);
    }
  }

  #handleDelta(message: Message, conn: MeshConnection, wire: WireMessage): boolean {
    if (message.packets[0] !== SubFlags.delta) return false;
    const delta = parseDelta(message.packets, wire.packed);
    if (delta.kind === 'malformed') {
      // F10: a bad delta is reported and ignored; the connection stays.
      throw new BadMessageError(delta.reason, { details: { peer: conn.peerId, sender: wire.sender } });
    }
    const id = keyId(delta.key);
    const entry = this.#data.get(id);
    const meta: SyncMeta = { owner: wire.sender, timestamp: wire.time };
    if (!this.#allowed(entry, meta, true)) return true;
    if (entry !== undefined && !isRawMap(entry.raw)) {
      this.#host.reportError(
        new NotAMappingError('received a delta for a key whose value is not a map; ignored', {
          details: { key: toHex(delta.key), sender: wire.sender, peer: conn.peerId },
        }),
      );
      return true;
    }
    this.#put(id, { key: delta.key, raw: mergeRawMaps(entry?.raw, delta.raw), ...meta });
    return true;
  }

  /**
   * A store that cannot be parsed: drop the connection it came from when that peer wrote it
   * (whispers, or broadcasts it originated); a broadcast merely relayed by the peer is reported
   * but keeps the innocent relay connected (F10).
   */
  #malformed(conn: MeshConnection, wire: WireMessage, reason: string): void {
    const error = new BadMessageError(`malformed store: ${reason}`, {
      details: { peer: conn.peerId, sender: wire.sender, remote: conn.remote },
    });
    this.#host.malformed(conn, wire, error);
  }

  /** Sends `whisper / store [key, value, owner, timestamp]`, at most once per version and peer. */
  #tell(conn: MeshConnection, version: Entry): void {
    let told = this.#told.get(conn);
    if (told === undefined) this.#told.set(conn, (told = new Set()));
    const tag = `${toHex(version.key)}|${version.owner}|${version.timestamp}|${toHex(sha256(version.raw))}`;
    if (told.has(tag)) return;
    told.add(tag);
    if (told.size > MAX_TOLD_PER_CONNECTION) told.delete(told.values().next().value!);
    this.#sendVersion(conn, version);
  }

  #sendVersion(conn: MeshConnection, entry: Entry): void {
    this.#host.sendTo(conn, MainFlags.whisper, SubFlags.store, [entry.key, new RawMsgpack(entry.raw), utf8Encode(entry.owner), entry.timestamp]);
  }

  // ---------------------------------------------------------------- internals

  #put(id: string, entry: Entry): void {
    // Re-inserting moves nothing: a Map keeps the original position of an existing key.
    this.#data.set(id, entry);
    this.emit('update', {
      key: entry.key.slice(),
      value: decodeMsgpack(entry.raw),
      meta: Object.freeze({ owner: entry.owner, timestamp: entry.timestamp }),
    });
  }

  #remove(id: string, entry: Entry): void {
    this.#data.delete(id);
    this.emit('delete', { key: entry.key.slice() });
  }

  #allowed(entry: SyncMeta | undefined, meta: SyncMeta, isDelta: boolean): boolean {
    return allowed(entry, meta, { isDelta, leasing: this.#leasing, now: this.#host.nowSeconds() });
  }

  #checkLease(id: string, bytes: Uint8Array, meta: SyncMeta, isDelta: boolean): void {
    const entry = this.#data.get(id);
    if (this.#allowed(entry, meta, isDelta)) return;
    throw new LeaseHeldError(`key is leased to ${entry!.owner} until ${entry!.timestamp + 3600}`, {
      details: { key: toHex(bytes), owner: entry!.owner, timestamp: entry!.timestamp },
    });
  }

  /** The metadata a write would get now (for the lease check before sending). */
  #ownMeta(): SyncMeta {
    return { owner: this.id, timestamp: this.#host.nowSeconds() };
  }

  /**
   * The metadata of a sent write: the time of the message that carries it, which receivers
   * use as its metadata, so both sides store the same version.
   */
  #metaOf(sent: SentMessage): SyncMeta {
    return { owner: this.id, timestamp: sent.time };
  }

  #assertOpen(): void {
    if (this.closed) throw new ClosedError('the socket is closed');
  }
}

function notFound(bytes: Uint8Array): KeyNotFoundError {
  return new KeyNotFoundError('no value is held for this key', { details: { key: toHex(bytes) } });
}

function sameVersion(a: Version, b: Version): boolean {
  if (a.owner !== b.owner || a.timestamp !== b.timestamp || a.raw.length !== b.raw.length) return false;
  for (let i = 0; i < a.raw.length; i++) if (a.raw[i] !== b.raw[i]) return false;
  return true;
}

/** The encoder may return a view of a larger buffer; stored values own exactly their bytes. */
function ownBytes(bytes: Uint8Array): Uint8Array {
  return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : bytes.slice();
}

function isIterable(value: unknown): value is Iterable<readonly [SyncKey, unknown]> {
  return value !== null && typeof value === 'object' && typeof (value as Iterable<unknown>)[Symbol.iterator] === 'function';
}
