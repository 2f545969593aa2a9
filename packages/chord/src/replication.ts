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
import type { ChordSettings } from './options';
import { RepairPacer, type PacedTask } from './repair-pacer';
import type { Entry } from './tables';

const DRAIN_POLL_MS = 10;
/** How long replica repair waits after a nil answer for a forwarded real one before filling the slot. */
const FILL_CONFIRM_MS = 500;
/** How long a repair probe waits for any answer before it gives the slot up as unknown. */
const PROBE_TIMEOUT_MS = 5000;

/**
 * Repair probes in flight at most: `repairProbes`, and never more than a quarter of
 * `maxPendingLookups`, so the table keeps room for reads and peers' requests.
 */
export function repairProbeLimit(settings: ChordSettings): number {
  return Math.max(1, Math.min(settings.repairProbes, Math.floor(settings.maxPendingLookups / 4)));
}

export class Replication {
  readonly #ctx: ChordContext;
  /** Slot -> [target id, entry] last pushed by replica repair, so quiet rounds send nothing. */
  #pushed = new Map<string, [string, Entry]>();
  /** Probe and drain timers; a drain's sleep is woken when the timers are released. */
  readonly #timers = new Map<TimerHandle, (() => void) | undefined>();
  #repairTimer: TimerHandle | undefined;
  #periodicTimer: TimerHandle | undefined;
  #periodicRuns = 0;
  /** Runs the sibling probes of a pass, `repairProbes` at most at once. */
  readonly #pacer: RepairPacer;
  /** A pass asked for while one was going. */
  #again: { full: boolean; triggered: boolean } | undefined;

  constructor(ctx: ChordContext) {
    this.#ctx = ctx;
    this.#pacer = new RepairPacer(repairProbeLimit(ctx.settings));
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
    this.#pacer.stop();
    this.#again = undefined;
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

  /** A repair pass is going (its probes are paced, so it may take a while over many entries). */
  get repairing(): boolean {
    return this.#pacer.busy;
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
   *
   * The sibling probes are paced (RepairPacer, `repairConcurrency`): the entries are walked as
   * probes end, so a pass never holds more than that many retrievals pending, however many
   * entries it checks. A pass asked for while one is going runs when it ends (the requests in
   * between merged: full if any was, triggered only if all were).
   */
  repair(full = false, triggered = false): void {
    const ctx = this.#ctx;
    if (ctx.host.closed) return;
    if (this.#pacer.busy) {
      const again = this.#again;
      this.#again = again ? { full: again.full || full, triggered: again.triggered && triggered } : { full, triggered };
      return;
    }
    if (!ctx.ring.storing) {
      // Data kept by an unjoin without storing peers moves as soon as someone can take it.
      if (ctx.store.tables.size > 0 && ctx.ring.storingPeers().length > 0) this.rehomeAll();
      return;
    }
    this.#adoptBackups();
    const pass = { pushed: new Map<string, [string, Entry]>(), sent: 0 };
    this.#pacer.start(this.#pass(full, triggered, pass), () => {
      this.#pushed = pass.pushed;
      if (pass.sent > 0) ctx.host.logger.debug(`replica repair checked or sent ${pass.sent} replicas`);
      const again = this.#again;
      this.#again = undefined;
      if (again) this.repair(again.full, again.triggered);
    });
  }

  /** The entries of one pass, walked lazily: moves and backups inline, sibling probes yielded. */
  *#pass(full: boolean, triggered: boolean, pass: { pushed: Map<string, [string, Entry]>; sent: number }): Generator<PacedTask> {
    const ctx = this.#ctx;
    const behind = ctx.ring.predecessors(ctx.settings.backupCopies);
    const { pushed } = pass;
    for (const [method, k, entry] of ctx.store.tables.snapshot()) {
      if (ctx.host.closed || !ctx.ring.storing) return;
      // Changed or gone since the pass began: whoever changed it sent its replicas.
      if (ctx.store.tables.get(method, k) !== entry) continue;
      if (ctx.writes.moveIfElsewhere(method, k, entry)) {
        pass.sent++;
        continue;
      }
      const fresh = triggered && ctx.writes.isFresh(entry);
      for (const conn of behind) {
        if (conn.closed) continue;
        const target = conn.peerId ?? '';
        const slot = `backup|${target}|${method}|${k}`;
        const last = full ? undefined : this.#pushed.get(slot);
        if (!fresh && !(last && last[1] === entry)) {
          ctx.writes.backupTo(conn, method, k, entry);
          pass.sent++;
        }
        pushed.set(slot, [target, entry]);
      }
      if (!fresh) yield* this.#repairSiblings(method, k, entry, pass, full);
    }
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

  /** The probes of the four sibling slots of the key stored at `(method, k)`. */
  *#repairSiblings(method: HashMethod, k: bigint, entry: Entry, pass: { pushed: Map<string, [string, Entry]>; sent: number }, full: boolean): Generator<PacedTask> {
    const ctx = this.#ctx;
    const key = ctx.store.keyAt(method, k);
    if (!key) return;
    const hashes = getHashes(key);
    const own = (): boolean => ctx.store.tables.get(method, k) === entry;
    for (let j = 0; j < HASH_METHODS.length; j++) {
      const sibling = HASH_METHODS[j]!;
      const kj = hashes[j]!;
      if (sibling === method) continue;
      const n = ctx.ring.find(kj);
      if (n === undefined) continue;
      const conn = remote(ctx, n);
      if (!conn) {
        if (!ctx.store.tables.has(sibling, kj)) {
          ctx.store.tables.set(sibling, kj, entry);
          ctx.writes.backup(sibling, kj, entry);
        }
        continue;
      }
      const target = conn.peerId ?? '';
      const slot = `${sibling}|${kj}`;
      const last = pass.pushed.get(slot) ?? (full ? undefined : this.#pushed.get(slot));
      pass.pushed.set(slot, [target, entry]);
      if (last && last[0] === target && last[1] === entry) continue;
      pass.sent++;
      yield (done) => {
        if (ctx.host.closed || conn.closed || !own()) return done();
        this.#fillIfMissing(sibling, kj, conn, entry, own, done);
      };
    }
  }

  /**
   * Asks `conn` for a sibling slot and stores `entry` there only if it is missing: repair fills
   * lost replicas but never overwrites a value that is there (it may be newer than ours). A
   * forwarding node answers nil before the real value, so "missing" means two rounds of nothing
   * but nil, and our own copy (`own`) still unchanged when the store goes out. `done` once the
   * slot is settled either way (no answer within PROBE_TIMEOUT_MS counts as settled: unknown).
   */
  #fillIfMissing(method: HashMethod, k: bigint, conn: MeshConnection, entry: Entry, own: () => boolean, done: () => void): void {
    const fill = (): void => {
      try {
        sendMessage(this.#ctx.host, conn, storeMessage(method, k, entry));
      } catch {
        // The link is closing: the ring changes, and that change's pass checks the slot again.
      }
      done();
    };
    const confirm = (): void => this.#probe(method, k, conn, FILL_CONFIRM_MS / 5, own, fill, done);
    this.#probe(method, k, conn, FILL_CONFIRM_MS, own, confirm, done);
  }

  /**
   * One probe round: a retrieve to `conn`; a real answer ends it (`done`), a nil one starts a
   * `waitMs` wait after which `then` runs (and owns `done`), if `conn` is still responsible and
   * our copy unchanged. No answer within PROBE_TIMEOUT_MS, or a retrieve that cannot go out or is
   * refused (the lookup table is full), ends it too.
   */
  #probe(method: HashMethod, k: bigint, conn: MeshConnection, waitMs: number, own: () => boolean, then: () => void, done: () => void): void {
    const ctx = this.#ctx;
    const clock = ctx.host.clock;
    let timer: TimerHandle | undefined;
    let waiting = false;
    let release: () => void = () => undefined;
    const arm = (ms: number, fn: () => void): void => {
      if (timer !== undefined) {
        clock.clearTimeout(timer);
        this.#timers.delete(timer);
      }
      timer = clock.setTimeout(fn, ms);
      this.#timers.set(timer, undefined);
    };
    const stop = (): void => {
      release();
      if (timer !== undefined) {
        clock.clearTimeout(timer);
        this.#timers.delete(timer);
        timer = undefined;
      }
    };
    const onAnswer = (value: unknown): void => {
      if (value !== null && value !== undefined) {
        stop();
        return done();
      }
      if (waiting) return;
      waiting = true;
      arm(waitMs, () => {
        stop();
        if (ctx.host.closed || conn.closed || ctx.ring.find(k) !== conn || !own()) return done();
        then();
      });
    };
    try {
      release = ctx.lookups.ask(conn, method, k, ctx.settings.forwardTimeout, onAnswer, undefined, 'repair');
    } catch {
      return done();
    }
    if (!waiting) {
      arm(PROBE_TIMEOUT_MS, () => {
        stop();
        done();
      });
    }
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
