/**
 * Where entries go when the ring changes (README, "Replication"): handoff to a peer that starts
 * storing (PROTOCOL.md 6.7), rehoming on unjoin, replica repair after churn and on a period, and
 * draining handoff writes before a leave completes. Owns every timer of that work.
 */
import type { TimerHandle } from '@p2p/base';
import type { MeshConnection } from '@p2p/mesh';
import { remote, type ChordContext } from './context';
import { HASH_METHODS, distance, getHashes, type HashMethod } from './hashing';
import { sendMessage, storeMessage } from './messages';
import type { Entry } from './tables';

const DRAIN_POLL_MS = 10;
/** How long replica repair waits after a nil answer for a forwarded real one before filling the slot. */
const FILL_CONFIRM_MS = 500;

export class Replication {
  readonly #ctx: ChordContext;
  /** Slot -> [target id, entry] last pushed by replica repair, so quiet rounds send nothing. */
  #pushed = new Map<string, [string, Entry]>();
  /** Probe and drain timers; a drain's sleep is woken when the timers are released. */
  readonly #timers = new Map<TimerHandle, (() => void) | undefined>();
  #repairTimer: TimerHandle | undefined;
  #periodicTimer: TimerHandle | undefined;
  #periodicRuns = 0;

  constructor(ctx: ChordContext) {
    this.#ctx = ctx;
  }

  /** PROTOCOL.md 6.7 handoff to a peer that started storing; the local copy goes (F16). */
  handoff(conn: MeshConnection): void {
    const ctx = this.#ctx;
    const peer = conn.peerId === undefined ? undefined : ctx.ring.peerInt(conn.peerId);
    if (peer === undefined) return;
    for (const [method, k, entry] of ctx.store.tables.snapshot()) {
      if (distance(peer, k) < distance(ctx.ring.idInt, k)) ctx.writes.moveIfElsewhere(method, k, entry);
    }
  }

  /** Moves every held entry that another node is responsible for; a leecher forgets its backups. */
  rehomeAll(): void {
    const ctx = this.#ctx;
    for (const [method, k, entry] of ctx.store.tables.snapshot()) ctx.writes.moveIfElsewhere(method, k, entry);
    if (!ctx.ring.storing) ctx.store.backups.clear();
  }

  /**
   * The set of storing peers changed: a repair pass soon (`republishDelay`), so a burst of ring
   * changes costs one pass. That pass checks the entries stored before the last change.
   */
  scheduleRepair(): void {
    const ctx = this.#ctx;
    ctx.writes.ringChanged();
    if (ctx.host.closed || this.#repairTimer !== undefined) return;
    this.#repairTimer = ctx.host.clock.setTimeout(() => {
      this.#repairTimer = undefined;
      this.repair(false, true);
    }, ctx.settings.republishDelay);
  }

  /** Starts the periodic repair (`republishInterval`; 0 turns it off). */
  armPeriodic(): void {
    const ctx = this.#ctx;
    const every = ctx.settings.republishInterval;
    if (!(every > 0) || ctx.host.closed) return;
    this.#periodicTimer = ctx.host.clock.setTimeout(() => {
      this.#periodicTimer = undefined;
      this.#periodicRuns++;
      this.repair(this.#periodicRuns % Math.max(1, ctx.settings.fullRepairEvery) === 0);
      this.armPeriodic();
    }, every);
  }

  /** Releases every timer of this part. */
  stop(): void {
    const clock = this.#ctx.host.clock;
    clock.clearTimeout(this.#repairTimer);
    clock.clearTimeout(this.#periodicTimer);
    this.#repairTimer = undefined;
    this.#periodicTimer = undefined;
    const timers = [...this.#timers];
    this.#timers.clear();
    for (const [t, wake] of timers) {
      clock.clearTimeout(t);
      wake?.();
    }
  }

  /** Resolves once no connection has queued bytes, or after `drainTimeout`. */
  async drain(): Promise<void> {
    const { host, settings, writes } = this.#ctx;
    writes.flush();
    const deadline = host.clock.now() + settings.drainTimeout;
    while (host.connections().some((c) => !c.closed && c.writableLength > 0) && host.clock.now() < deadline) {
      await this.#sleep(DRAIN_POLL_MS);
    }
  }

  /**
   * Replica repair. For every entry held here: if another node is now responsible, move it
   * there; else refresh its backup at the node behind and, when its user key is known, make sure
   * the key's four sibling slots are stored at their responsible nodes, with ordinary `store`
   * messages. A slot is pushed again only when its target or the value changed since the last
   * push, or on a `full` pass. A pass a ring change `triggered` skips the entries this node's own
   * writes stored since that change (Writes.isFresh): their backups went to the current
   * predecessors and their siblings to the current ring in the same call (probing them while
   * those stores are still landing would find them missing and send them twice); the next
   * periodic pass checks them like any other entry.
   */
  repair(full = false, triggered = false): void {
    const ctx = this.#ctx;
    if (ctx.host.closed) return;
    if (!ctx.ring.storing) {
      // Data kept by an unjoin without storing peers moves as soon as someone can take it.
      if (ctx.store.tables.size > 0 && ctx.ring.storingPeers().length > 0) this.rehomeAll();
      return;
    }
    this.#adoptBackups();
    const pushed = new Map<string, [string, Entry]>();
    const behind = ctx.ring.predecessors(ctx.settings.backupCopies);
    let sent = 0;
    for (const [method, k, entry] of ctx.store.tables.snapshot()) {
      if (ctx.writes.moveIfElsewhere(method, k, entry)) {
        sent++;
        continue;
      }
      const fresh = triggered && ctx.writes.isFresh(entry);
      for (const conn of behind) {
        const target = conn.peerId ?? '';
        const slot = `backup|${target}|${method}|${k}`;
        const last = full ? undefined : this.#pushed.get(slot);
        if (!fresh && !(last && last[1] === entry)) {
          ctx.writes.backupTo(conn, method, k, entry);
          sent++;
        }
        pushed.set(slot, [target, entry]);
      }
      if (!fresh) sent += this.#repairSiblings(method, k, entry, pushed, full);
    }
    this.#pushed = pushed;
    if (sent > 0) ctx.host.logger.debug(`replica repair checked or sent ${sent} replicas`);
  }

  /**
   * Backups: take over the ones we are now responsible for (their primary, and any backup holder
   * ahead of us, vanished); forget the ones whose responsible node is not among the
   * `backupCopies` storing nodes directly ahead (it no longer sends us copies).
   */
  #adoptBackups(): void {
    const { ring, store, self, settings, writes } = this.#ctx;
    const ahead = new Set<unknown>(ring.successors(settings.backupCopies));
    for (const [method, k, entry] of store.backups.snapshot()) {
      const n = ring.find(k);
      if (n === self) {
        const held = store.tables.get(method, k);
        // A backup of a signed record with a higher seq than the copy held here replaces it.
        if (!held || writes.records.supersedes(held, entry, method, k)) store.tables.set(method, k, entry);
        store.backups.delete(method, k);
      } else if (!ahead.has(n)) {
        store.backups.delete(method, k);
      }
    }
  }

  /** Checks the four sibling slots of the key stored at `(method, k)`; returns how many were probed. */
  #repairSiblings(method: HashMethod, k: bigint, entry: Entry, pushed: Map<string, [string, Entry]>, full: boolean): number {
    const ctx = this.#ctx;
    const key = ctx.store.keyAt(method, k);
    if (!key) return 0;
    const hashes = getHashes(key);
    let sent = 0;
    HASH_METHODS.forEach((sibling, j) => {
      const kj = hashes[j]!;
      if (sibling === method) return;
      const n = ctx.ring.find(kj);
      if (n === undefined) return;
      const conn = remote(ctx, n);
      if (!conn) {
        if (!ctx.store.tables.has(sibling, kj)) {
          ctx.store.tables.set(sibling, kj, entry);
          ctx.writes.backup(sibling, kj, entry);
        }
        return;
      }
      const target = conn.peerId ?? '';
      const slot = `${sibling}|${kj}`;
      const last = pushed.get(slot) ?? (full ? undefined : this.#pushed.get(slot));
      if (!(last && last[0] === target && last[1] === entry)) {
        this.#fillIfMissing(sibling, kj, conn, entry, () => ctx.store.tables.get(method, k) === entry);
        sent++;
      }
      pushed.set(slot, [target, entry]);
    });
    return sent;
  }

  /**
   * Asks `conn` for a sibling slot and stores `entry` there only if it is missing: repair fills
   * lost replicas but never overwrites a value that is there (it may be newer than ours). A
   * forwarding node answers nil before the real value, so "missing" means two rounds of nothing
   * but nil, and our own copy (`own`) still unchanged when the store goes out.
   */
  #fillIfMissing(method: HashMethod, k: bigint, conn: MeshConnection, entry: Entry, own: () => boolean): void {
    const fill = (): void => sendMessage(this.#ctx.host, conn, storeMessage(method, k, entry));
    const confirm = (): void => this.#probe(method, k, conn, FILL_CONFIRM_MS / 5, own, fill);
    this.#probe(method, k, conn, FILL_CONFIRM_MS, own, confirm);
  }

  /**
   * One probe round: a retrieve to `conn`; a real answer ends it, a nil one starts a `waitMs`
   * wait after which `then` runs, if `conn` is still responsible and our copy unchanged.
   */
  #probe(method: HashMethod, k: bigint, conn: MeshConnection, waitMs: number, own: () => boolean, then: () => void): void {
    const ctx = this.#ctx;
    let timer: TimerHandle | undefined;
    let release: () => void = () => undefined;
    const stop = (): void => {
      release();
      if (timer !== undefined) {
        ctx.host.clock.clearTimeout(timer);
        this.#timers.delete(timer);
      }
    };
    const onAnswer = (value: unknown): void => {
      if (value !== null && value !== undefined) return stop();
      if (timer !== undefined) return;
      timer = ctx.host.clock.setTimeout(() => {
        stop();
        if (ctx.host.closed || conn.closed || ctx.ring.find(k) !== conn || !own()) return;
        then();
      }, waitMs);
      this.#timers.set(timer, undefined);
    };
    release = ctx.lookups.ask(conn, method, k, ctx.settings.forwardTimeout, onAnswer);
  }

  #sleep(ms: number): Promise<void> {
    const clock = this.#ctx.host.clock;
    return new Promise<void>((resolve) => {
      const t = clock.setTimeout(() => {
        this.#timers.delete(t);
        resolve();
      }, ms);
      this.#timers.set(t, resolve);
    });
  }
}
