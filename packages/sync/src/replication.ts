/**
 * Everything sync receives from peers and what it replays to them (PROTOCOL.md 5.3, 5.4, F16):
 * stores, deltas and deletes checked against the held version (deletes included, as
 * tombstones); the join replay, which sends a peer what changed since it last confirmed a
 * checkpoint (everything, for a peer never met, restarted, or py2p); replayed versions compared
 * with `supersedes`, the winner passed on and a losing sender answered with it.
 */
import {
  BadMessageError,
  MainFlags,
  NotAMappingError,
  RawMsgpack,
  SignatureInvalidError,
  SubFlags,
  sha256,
  toHex,
  utf8Encode,
  type CounterSeries,
  type Message,
  type TimerHandle,
  type WireMessage,
} from '@p2p/base';
import type { MeshConnection, MeshHost } from '@p2p/mesh';
import { Checkpoints } from './checkpoints';
import { FutureTimestampError } from './errors';
import { keyId } from './keys';
import { allowed, allowedAfterDelete, isFutureDated, supersedes, type SyncMeta } from './lease';
import { leaseRefusals, signatureRefusals, type SignatureRefusals } from './metrics';
import { parseDelta, parseSignedDeleted, parseSignedStore, parseStore } from './payloads';
import { checkProof, type WriteProof } from './signed-writes';
import { isRawMap, mergeRawMaps } from './raw-map';
import {
  DELETED_SUBFLAG,
  EPOCH_BYTES,
  SESSION_SUBFLAG,
  SessionKind,
  parseDeleted,
  parseSession,
} from './session-messages';
import { isTombstone, type Held, type SyncState } from './state';

/** Versions forwarded or answered per connection, remembered so each goes out at most once. */
const MAX_TOLD_PER_CONNECTION = 10_000;
/** How long a replay to a peer with a checkpoint waits for its hello before sending everything. */
const HELLO_WAIT_MS = 2000;
/** How often TS peers are sent a mark when something changed since the last one, moving their checkpoint forward. */
const MARK_INTERVAL_MS = 1000;

/** A version as replayed: a value (`raw`) or a delete (`raw` undefined), with its owner's proof in an authenticated subnet. */
interface Offered extends SyncMeta {
  readonly key: Uint8Array;
  readonly raw: Uint8Array | undefined;
  readonly proof?: WriteProof;
}

export class Replication {
  #host!: MeshHost;
  /** Sends the local writes still queued for this tick (outbox.ts), so nothing overtakes them. */
  #flushWrites: () => void = () => {};
  #refusals: CounterSeries | undefined;
  #forgeries: SignatureRefusals | undefined;
  /** The subnet writes are signed for, in an authenticated subnet; undefined elsewhere. */
  #signedSubnet: string | undefined;
  readonly #state: SyncState;
  readonly #leasing: boolean;
  readonly #epoch: Uint8Array;
  readonly #checkpoints = new Checkpoints();
  readonly #told = new WeakMap<MeshConnection, Set<string>>();
  readonly #hellos = new WeakMap<MeshConnection, string>();
  /** Connections our hello went out on. */
  readonly #greeted = new WeakSet<MeshConnection>();
  readonly #waiting = new Map<MeshConnection, TimerHandle>();
  /** The change counter last marked on each connection. */
  readonly #marked = new WeakMap<MeshConnection, number>();
  #markTimer: TimerHandle | undefined;

  constructor(state: SyncState, leasing: boolean) {
    this.#state = state;
    this.#leasing = leasing;
    this.#epoch = globalThis.crypto.getRandomValues(new Uint8Array(EPOCH_BYTES));
  }

  /** The host `extend()` returned and the outbox's flush; set before the socket starts. */
  attach(host: MeshHost, flushWrites: () => void): void {
    this.#host = host;
    this.#flushWrites = flushWrites;
    this.#refusals = leaseRefusals(host.metrics).peer;
    if (host.authenticated) this.#forgeries = signatureRefusals(host.metrics);
  }

  /** Handlers by sub-flag, in PROTOCOL.md 4.7 order (store, delta), then the TS-only ones. */
  handlers(): Map<number, (message: Message, conn: MeshConnection, wire: WireMessage) => boolean> {
    return new Map([
      [SubFlags.store, (m, c, w) => this.#onStore(m, c, w)],
      [SubFlags.delta, (m, c, w) => this.#onDelta(m, c, w)],
      [DELETED_SUBFLAG, (m, c, w) => this.#onDeleted(m, c, w)],
      [SESSION_SUBFLAG, (m, c, w) => this.#onSession(m, c, w)],
    ]);
  }

  /** Our handshake went out: announce this instance, so the peer can trust its checkpoint of us. */
  handshakeSent(conn: MeshConnection): void {
    // In an authenticated subnet the peer reads nothing but the handshake proof until ours has
    // verified: the hello waits for the peer's handshake (by then our proof is out, before it).
    if (this.#signedSubnet === undefined) this.#hello(conn);
  }

  #hello(conn: MeshConnection): void {
    this.#greeted.add(conn);
    this.#whisper(conn, SESSION_SUBFLAG, [SessionKind.hello, this.#epoch]);
  }

  /** PROTOCOL.md 5.3: after a peer's handshake, replay (waiting briefly for its hello when we hold a checkpoint). */
  peerHandshake(conn: MeshConnection): void {
    if (!this.#greeted.has(conn)) this.#hello(conn);
    const peerId = conn.peerId!;
    if (this.#checkpoints.get(peerId) === undefined || this.#hellos.has(conn)) {
      this.#replay(conn);
      return;
    }
    if (this.#waiting.has(conn)) return;
    this.#waiting.set(
      conn,
      this.#host.clock.setTimeout(() => {
        this.#waiting.delete(conn);
        this.#replay(conn);
      }, HELLO_WAIT_MS),
    );
  }

  connectionClosed(conn: MeshConnection): void {
    const timer = this.#waiting.get(conn);
    if (timer !== undefined) this.#host.clock.clearTimeout(timer);
    this.#waiting.delete(conn);
  }

  /** The socket listens (its protocol is final from now on): start the mark timer. */
  started(): void {
    if (this.#host.authenticated) this.#signedSubnet = this.#host.protocol.subnet;
    const tick = (): void => {
      this.#markTimer = this.#host.clock.setTimeout(tick, MARK_INTERVAL_MS);
      for (const conn of this.#host.peers.values()) {
        // Only TS peers (they said hello) answer marks, a py2p peer always gets the full replay;
        // and only after the join replay (which marks first), or the mark would claim it.
        const marked = this.#marked.get(conn);
        if (this.#hellos.has(conn) && marked !== undefined && marked < this.#state.seq) this.#mark(conn);
      }
    };
    this.#markTimer = this.#host.clock.setTimeout(tick, MARK_INTERVAL_MS);
  }

  closed(): void {
    for (const timer of this.#waiting.values()) this.#host.clock.clearTimeout(timer);
    this.#waiting.clear();
    if (this.#markTimer !== undefined) this.#host.clock.clearTimeout(this.#markTimer);
    this.#markTimer = undefined;
  }

  /** Everything up to the current change was sent on `conn`: ask the peer to confirm it. */
  #mark(conn: MeshConnection): void {
    this.#marked.set(conn, this.#state.seq);
    this.#whisper(conn, SESSION_SUBFLAG, [SessionKind.mark, this.#state.seq]);
  }

  #replay(conn: MeshConnection): void {
    if (conn.closed || conn.peerId === undefined) return;
    this.#flushWrites();
    const from = this.#checkpoints.replayFrom(conn.peerId, this.#hellos.get(conn));
    const now = this.#host.nowSeconds();
    for (const entry of this.#state.entriesSince(from)) {
      if (conn.closed) return;
      this.#send(conn, entry);
    }
    for (const tombstone of this.#state.tombstones.changedSince(from, now)) {
      if (conn.closed) return;
      this.#send(conn, { ...tombstone, raw: undefined });
    }
    this.#mark(conn);
  }

  // ---------------------------------------------------------------- handlers

  #onStore(message: Message, conn: MeshConnection, wire: WireMessage): boolean {
    if (message.packets[0] !== SubFlags.store) return false;
    if (!this.#handshaken(conn, wire, 'store')) return true;
    const store = this.#signedSubnet === undefined ? parseStore(message.packets, wire.packed) : parseSignedStore(message.packets, wire.packed);
    if (store.kind === 'malformed') {
      this.#host.malformed(conn, wire, badMessage(`malformed store: ${store.reason}`, conn, wire));
      return true;
    }
    if (store.kind === 'replay') {
      if (!this.#futureDated(store.timestamp, conn, wire, store.key) && this.#proven(store, conn, wire, 'replay')) this.#offer(conn, store);
      return true;
    }
    const proof = (store as { proof?: WriteProof }).proof;
    const meta: SyncMeta & { proof?: WriteProof } = { owner: wire.sender, timestamp: wire.time, proof };
    if (this.#futureDated(meta.timestamp, conn, wire, store.key)) return true;
    if (proof !== undefined && !this.#proven({ key: store.key, raw: store.raw, ...meta, proof }, conn, wire, 'live')) return true;
    const id = keyId(store.key);
    const now = this.#host.nowSeconds();
    const held = this.#state.held(id, now);
    if (store.raw === undefined) {
      // F10: a delete of a key we do not hold is a no-op (still remembered against late values).
      const replaces =
        held === undefined ||
        (isTombstone(held) ? supersedes({ ...meta, raw: undefined }, { ...held, raw: undefined }, this.#options(now)) : this.#allowed(held, meta, false));
      if (replaces) this.#state.remove(id, store.key, meta, now);
      return true;
    }
    // Not allowed: ignored silently, as py2p. The event takes the message's decoded value (unshared: sync claims the message).
    if (this.#mayWrite(held, meta, false)) this.#state.put(id, { key: store.key, raw: store.raw, ...meta }, message.packets[2]);
    return true;
  }

  #onDelta(message: Message, conn: MeshConnection, wire: WireMessage): boolean {
    if (message.packets[0] !== SubFlags.delta) return false;
    if (!this.#handshaken(conn, wire, 'delta')) return true;
    if (this.#signedSubnet !== undefined) {
      // An authenticated subnet signs whole versions: a delta names no version its owner signed.
      this.#refuseForgery('live', 'an unsigned delta (authenticated subnets send a delta as the signed store of the merged map)', conn, wire);
      return true;
    }
    const delta = parseDelta(message.packets, wire.packed);
    if (delta.kind === 'malformed') {
      // F10: a bad delta is reported and ignored; the connection stays.
      throw new BadMessageError(delta.reason, { details: { peer: conn.peerId, sender: wire.sender } });
    }
    const meta: SyncMeta = { owner: wire.sender, timestamp: wire.time };
    if (this.#futureDated(meta.timestamp, conn, wire, delta.key)) return true;
    const id = keyId(delta.key);
    const held = this.#state.held(id, this.#host.nowSeconds());
    if (!this.#mayWrite(held, meta, true)) return true;
    const entry = held !== undefined && !isTombstone(held) ? held : undefined;
    if (entry !== undefined && !isRawMap(entry.raw)) {
      this.#host.reportError(
        new NotAMappingError('received a delta for a key whose value is not a map; ignored', {
          details: { key: toHex(delta.key), sender: wire.sender, peer: conn.peerId },
        }),
      );
      return true;
    }
    this.#state.put(id, { key: delta.key, raw: mergeRawMaps(entry?.raw, delta.raw), ...meta });
    return true;
  }

  #onDeleted(message: Message, conn: MeshConnection, wire: WireMessage): boolean {
    if (!this.#handshaken(conn, wire, 'deleted')) return true;
    const deleted = this.#signedSubnet === undefined ? parseDeleted(message.packets) : parseSignedDeleted(message.packets);
    if (deleted.kind === 'malformed') {
      this.#host.malformed(conn, wire, badMessage(`malformed deleted: ${deleted.reason}`, conn, wire));
      return true;
    }
    const version: Offered = { ...deleted, raw: undefined };
    if (this.#futureDated(deleted.timestamp, conn, wire, deleted.key) || !this.#proven(version, conn, wire, 'replay')) return true;
    this.#offer(conn, version);
    return true;
  }

  #onSession(message: Message, conn: MeshConnection, wire: WireMessage): boolean {
    if (!this.#handshaken(conn, wire, 'session')) return true;
    const session = parseSession(message.packets);
    switch (session.kind) {
      case 'hello': {
        this.#hellos.set(conn, toHex(session.epoch));
        const timer = this.#waiting.get(conn);
        if (timer !== undefined) {
          this.#host.clock.clearTimeout(timer);
          this.#waiting.delete(conn);
          this.#replay(conn);
        }
        break;
      }
      case 'mark':
        this.#whisper(conn, SESSION_SUBFLAG, [SessionKind.ack, session.seq, this.#epoch]);
        break;
      case 'ack':
        if (session.seq <= this.#state.seq) this.#checkpoints.confirm(conn.peerId!, toHex(session.epoch), session.seq);
        break;
      default:
        this.#host.malformed(conn, wire, badMessage(session.reason, conn, wire));
    }
    return true;
  }

  // ---------------------------------------------------------------- versions

  /**
   * A replayed version (value or delete): the one `supersedes` keeps stays here. A new winner is
   * passed on to the other peers; a losing sender is answered with what we hold.
   */
  #offer(conn: MeshConnection, incoming: Offered): void {
    const id = keyId(incoming.key);
    const now = this.#host.nowSeconds();
    const held = this.#state.held(id, now);
    const heldVersion: Offered | undefined = held === undefined ? undefined : asOffered(held);
    if (heldVersion !== undefined && sameVersion(heldVersion, incoming)) return;
    if (heldVersion === undefined || supersedes(incoming, heldVersion, this.#options(now))) {
      if (incoming.raw === undefined) this.#state.remove(id, incoming.key, incoming, now);
      else this.#state.put(id, { key: incoming.key, raw: incoming.raw, owner: incoming.owner, timestamp: incoming.timestamp, proof: incoming.proof });
      for (const peer of this.#host.peers.values()) if (peer !== conn) this.#tell(peer, incoming);
    } else {
      this.#tell(conn, heldVersion);
    }
  }

  /** Sends a version at most once per connection. */
  #tell(conn: MeshConnection, version: Offered): void {
    let told = this.#told.get(conn);
    if (told === undefined) this.#told.set(conn, (told = new Set()));
    const body = version.raw === undefined ? 'deleted' : toHex(sha256(version.raw));
    const tag = `${toHex(version.key)}|${version.owner}|${version.timestamp}|${body}`;
    if (told.has(tag)) return;
    told.add(tag);
    if (told.size > MAX_TOLD_PER_CONNECTION) told.delete(told.values().next().value!);
    this.#send(conn, version);
  }

  /** `whisper / store [key, value, owner, timestamp]`, or the TS-only `whisper / deleted [key, owner, timestamp]`. */
  #send(conn: MeshConnection, version: Offered): void {
    // In an authenticated subnet every held version is proven (ours signed, others' verified).
    const proof = this.#signedSubnet === undefined || version.proof === undefined ? [] : [version.proof.publicKey, version.proof.signature];
    if (this.#signedSubnet !== undefined && proof.length === 0) return;
    if (version.raw === undefined) {
      this.#whisper(conn, DELETED_SUBFLAG, [version.key, utf8Encode(version.owner), version.timestamp, ...proof]);
    } else {
      this.#whisper(conn, SubFlags.store, [version.key, new RawMsgpack(version.raw), utf8Encode(version.owner), version.timestamp, ...proof]);
    }
  }

  /**
   * In an authenticated subnet, true when `version` carries its owner's valid signature; a
   * failure is refused: counted, reported as `SIGNATURE_INVALID`, never applied (the link stays:
   * a live broadcast may have come through honest relays, which do not check sync's signatures).
   * Always true elsewhere.
   */
  #proven(version: Offered, conn: MeshConnection, wire: WireMessage, origin: 'live' | 'replay'): boolean {
    if (this.#signedSubnet === undefined) return true;
    const failure = version.proof === undefined ? 'malformed' : checkProof(this.#signedSubnet, version, version.proof);
    if (failure === undefined) return true;
    const why = failure === 'owner' ? "its key is not the owner's" : failure === 'signature' ? "its signature is not the owner's" : 'it carries no usable proof';
    this.#refuseForgery(origin, `refused a sync ${version.raw === undefined ? 'delete' : 'store'} in the name of ${version.owner.slice(0, 8)}…: ${why}`, conn, wire, version.key);
    return false;
  }

  #refuseForgery(origin: 'live' | 'replay', reason: string, conn: MeshConnection, wire: WireMessage, key?: Uint8Array): void {
    this.#forgeries?.[origin].inc();
    this.#host.reportError(
      new SignatureInvalidError(reason, { details: { key: key === undefined ? undefined : toHex(key), sender: wire.sender, peer: conn.peerId } }),
    );
  }

  /** Every message sync sends on one link: after the local writes still queued, never before them. */
  #whisper(conn: MeshConnection, type: number, packets: readonly unknown[]): void {
    this.#flushWrites();
    this.#host.sendTo(conn, MainFlags.whisper, type, packets);
  }

  /** May a live write with `meta` replace what is held (a value under the lease rules, or a delete)? */
  #mayWrite(held: Held | undefined, meta: SyncMeta, isDelta: boolean): boolean {
    if (held === undefined) return true;
    return isTombstone(held) ? allowedAfterDelete(held, meta) : this.#allowed(held, meta, isDelta);
  }

  #allowed(entry: SyncMeta, meta: SyncMeta, isDelta: boolean): boolean {
    const ok = allowed(entry, meta, { isDelta, leasing: this.#leasing, now: this.#host.nowSeconds() });
    if (!ok) this.#refusals?.inc();
    return ok;
  }

  #options(now: number): { leasing: boolean; now: number } {
    return { leasing: this.#leasing, now };
  }

  /**
   * A store, delta or delete from a connection that has not handshaken is refused: whoever it
   * names as sender, the peer is not yet anyone (mesh's blame rule drops the link). One naming
   * this node as its sender is refused too (reported, the link stays: it may be a relay).
   */
  #handshaken(conn: MeshConnection, wire: WireMessage, what: string): boolean {
    if (conn.peerId === undefined) {
      this.#host.malformed(conn, wire, badMessage(`sync ${what} before the handshake`, conn, wire));
      return false;
    }
    // Our own sends never come back to the handlers (the waterfall drops echoes): a write in
    // our name that arrives from the network is forged.
    if (wire.sender === this.#host.id) {
      this.#host.reportError(badMessage(`sync ${what} forged in this node's name; ignored`, conn, wire));
      return false;
    }
    return true;
  }

  /** A write dated more than a minute ahead is refused and reported; the link stays (it may be a relay). */
  #futureDated(timestamp: number, conn: MeshConnection, wire: WireMessage, key: Uint8Array): boolean {
    const now = this.#host.nowSeconds();
    if (!isFutureDated(timestamp, now)) return false;
    this.#host.reportError(
      new FutureTimestampError(`refused a sync write dated ${timestamp - now} s ahead`, {
        details: { key: toHex(key), timestamp, now, sender: wire.sender, peer: conn.peerId },
      }),
    );
    return true;
  }
}

function asOffered(held: Held): Offered {
  return isTombstone(held)
    ? { key: held.key, raw: undefined, owner: held.owner, timestamp: held.timestamp }
    : { key: held.key, raw: held.raw, owner: held.owner, timestamp: held.timestamp };
}

function sameVersion(a: Offered, b: Offered): boolean {
  if (a.owner !== b.owner || a.timestamp !== b.timestamp) return false;
  if (a.raw === undefined || b.raw === undefined) return a.raw === b.raw;
  if (a.raw.length !== b.raw.length) return false;
  for (let i = 0; i < a.raw.length; i++) if (a.raw[i] !== b.raw[i]) return false;
  return true;
}

function badMessage(reason: string, conn: MeshConnection, wire: WireMessage): BadMessageError {
  return new BadMessageError(reason, { details: { peer: conn.peerId, sender: wire.sender, remote: conn.remote } });
}
