/**
 * Writes to one slot (PROTOCOL.md 6.4 `store_one`): applied here when this node is responsible
 * (or nobody is), else forwarded to the node that is. Every change applied here also goes to
 * the `backupCopies` nodes behind as backup copies. In an authenticated subnet a write applied
 * here passes the record guard first (records-guard.ts): a slot holding a signed record changes
 * only to a higher sequence of it.
 */
import { NotAMappingError, encodeMsgpack, isMapping, isP2PError } from '@p2p/base';
import type { MeshConnection } from '@p2p/mesh';
import { remote, type ChordContext } from './context';
import type { HashMethod } from './hashing';
import { BackupOutbox } from './backup-outbox';
import { backupFields, broadcastMessage, deltaMessage, ringKeyBin, sendMessage, storeMessage, type ChordMessage } from './messages';
import { mergeMapping, type Mapping } from './payloads';
import { RecordGuard } from './records-guard';
import type { Entry } from './tables';

/** Announcements queued in one tick before they are sent at once (a few MB at most). */
export const MAX_QUEUED_NOTICES = 16_384;

export class Writes {
  readonly #ctx: ChordContext;
  /** Signed-record checks of every write received or applied here. */
  readonly records: RecordGuard;
  /** Entries this node's own writes stored here since the ring last changed (see {@link isFresh}); weakly held. */
  #fresh = new WeakSet<Entry>();
  /** This tick's key announcements, broadcast at its end (see {@link announce}). */
  #notices: ChordMessage[] = [];
  /** This tick's backup copies, per link. */
  readonly #backups: BackupOutbox;

  constructor(ctx: ChordContext) {
    this.#ctx = ctx;
    this.records = new RecordGuard(ctx);
    this.#backups = new BackupOutbox(ctx.host);
  }

  /**
   * Stores `entry` (null deletes) in slot `(method, k)`, here or at the responsible node. `from`
   * is the peer whose store this is (undefined for this node's own writes); `keyBin`, the wire
   * form of `k` when it is at hand (the received key, when it is exactly that).
   */
  store(method: HashMethod, k: bigint, entry: Entry | null, from?: MeshConnection, keyBin?: Uint8Array): void {
    const ctx = this.#ctx;
    const target = ctx.ring.find(k);
    const conn = remote(ctx, target);
    if (conn) {
      // A peer's store was checked on receipt (handlers/store.ts); our own is checked here.
      if (from === undefined && !this.records.outgoing(entry, method, k)) return;
      sendMessage(ctx.host, conn, storeMessage(method, k, entry, keyBin));
      return;
    }
    if (!this.records.admit(ctx.store.tables, method, k, entry, from ? 'store' : 'local', from?.peerId)) return;
    const changed = ctx.store.apply(method, k, entry);
    if (changed !== undefined && ctx.ring.storing) {
      // Only this node's own writes: a peer's store may be a handoff or a move, whose siblings nobody else checks.
      if (changed !== null && from === undefined) this.#fresh.add(changed);
      this.backup(method, k, changed, keyBin);
    }
  }

  /** The set of storing peers changed: no entry held here is fresh any more. */
  ringChanged(): void {
    this.#fresh = new WeakSet();
  }

  /**
   * Whether `entry` was stored here by this node's own write (and its backup sent) after the last
   * ring change: the same call sent its four siblings with that ring, so a repair pass the change
   * triggered need not check them (the periodic passes still do).
   */
  isFresh(entry: Entry): boolean {
    return this.#fresh.has(entry);
  }

  /**
   * Broadcasts a key announcement (`notify`) at the end of this tick, in order with the others:
   * a `notify` floods every link of every node, so the tick's stores go out ahead of it rather
   * than queued behind the relays. Past {@link MAX_QUEUED_NOTICES} the queue is sent at once.
   * A broadcast that fails then (the node's write budget is full) is reported as an `error`.
   */
  announce(message: ChordMessage): void {
    if (this.#notices.length === 0) queueMicrotask(() => this.flushNotices());
    this.#notices.push(message);
    if (this.#notices.length >= MAX_QUEUED_NOTICES) this.flushNotices();
  }

  /** Sends the queued announcements now. */
  flushNotices(): void {
    const notices = this.#notices;
    this.#notices = [];
    for (let i = 0; i < notices.length; i++) {
      try {
        broadcastMessage(this.#ctx.host, notices[i]!);
      } catch (err) {
        if (!isP2PError(err)) throw err;
        this.#ctx.host.reportError(err);
      }
    }
  }

  /** Merges `delta` into slot `(method, k)`, here or at the responsible node (`from` as in {@link store}). */
  delta(method: HashMethod, k: bigint, delta: Mapping, from?: MeshConnection): void {
    const ctx = this.#ctx;
    const conn = remote(ctx, ctx.ring.find(k));
    if (conn) {
      sendMessage(ctx.host, conn, deltaMessage(method, k, delta));
      return;
    }
    if (!this.records.admit(ctx.store.tables, method, k, 'delta', from ? 'store' : 'local', from?.peerId)) return;
    const current = ctx.store.tables.get(method, k)?.value;
    if (current !== undefined && current !== null && !isMapping(current)) {
      ctx.host.reportError(new NotAMappingError('delta for an entry that is not a map; ignored', { details: { method } }));
      return;
    }
    const merged = mergeMapping(current as Mapping | undefined, delta);
    const entry = { value: merged, raw: encodeMsgpack(merged).slice() };
    ctx.store.tables.set(method, k, entry);
    if (ctx.ring.storing) this.backup(method, k, entry);
  }

  /**
   * Gives the `backupCopies` nodes behind us (the ones that take over our range, in turn, if we
   * and those before them vanish) a backup copy; returns how many were sent.
   */
  backup(method: HashMethod, k: bigint, entry: Entry | null, keyBin?: Uint8Array): number {
    const targets = this.#ctx.ring.predecessors(this.#ctx.settings.backupCopies);
    if (targets.length === 0) return 0;
    const key = keyBin ?? ringKeyBin(k);
    for (const conn of targets) this.backupTo(conn, method, k, entry, key);
    return targets.length;
  }

  /** One backup copy to `conn`, sent at the end of the tick with the others for that link (backup-outbox.ts). */
  backupTo(conn: MeshConnection, method: HashMethod, k: bigint, entry: Entry | null, keyBin?: Uint8Array): void {
    this.#backups.add(conn, backupFields(method, k, entry, keyBin), entry ? entry.raw.length : 1);
  }

  /** Sends the queued backup copies and key announcements now (a leave drains them). */
  flush(): void {
    this.#backups.flush();
    this.flushNotices();
  }

  /** Sends a held entry to the node now responsible for it, if that is not this one, and drops it here. */
  moveIfElsewhere(method: HashMethod, k: bigint, entry: Entry): boolean {
    const conn = remote(this.#ctx, this.#ctx.ring.find(k));
    if (!conn) return false;
    sendMessage(this.#ctx.host, conn, storeMessage(method, k, entry));
    this.#ctx.store.tables.delete(method, k);
    return true;
  }
}
