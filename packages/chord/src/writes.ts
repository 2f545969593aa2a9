/**
 * Writes to one slot (PROTOCOL.md 6.4 `store_one`): applied here when this node is responsible
 * (or nobody is), else forwarded to the node that is. Every change applied here also goes to
 * the node behind as a backup copy.
 */
import { NotAMappingError, encodeMsgpack, isMapping } from '@p2p/base';
import { remote, type ChordContext } from './context';
import type { HashMethod } from './hashing';
import { backupMessage, deltaMessage, sendMessage, storeMessage } from './messages';
import { mergeMapping, type Mapping } from './payloads';
import type { Entry } from './tables';

export class Writes {
  readonly #ctx: ChordContext;

  constructor(ctx: ChordContext) {
    this.#ctx = ctx;
  }

  /** Stores `entry` (null deletes) in slot `(method, k)`, here or at the responsible node. */
  store(method: HashMethod, k: bigint, entry: Entry | null): void {
    const ctx = this.#ctx;
    const target = ctx.ring.find(k);
    const conn = remote(ctx, target);
    if (conn) {
      sendMessage(ctx.host, conn, storeMessage(method, k, entry));
      return;
    }
    const changed = ctx.store.apply(method, k, entry);
    if (changed !== undefined && ctx.ring.storing) this.backup(method, k, changed);
  }

  /** Merges `delta` into slot `(method, k)`, here or at the responsible node. */
  delta(method: HashMethod, k: bigint, delta: Mapping): void {
    const ctx = this.#ctx;
    const conn = remote(ctx, ctx.ring.find(k));
    if (conn) {
      sendMessage(ctx.host, conn, deltaMessage(method, k, delta));
      return;
    }
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

  /** Gives the node behind us (the one that takes over our range if we vanish) a backup copy. */
  backup(method: HashMethod, k: bigint, entry: Entry | null): boolean {
    const pred = remote(this.#ctx, this.#ctx.ring.predecessor);
    if (!pred) return false;
    sendMessage(this.#ctx.host, pred, backupMessage(method, k, entry));
    return true;
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
