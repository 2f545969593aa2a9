/**
 * Chord consecutive-node loss: a ring of `nodes` joined chord nodes holds `keys` keys (a quarter
 * overwritten from another node, so "latest value" is judged, not presence); then `killed` nodes
 * that sit next to each other on the ring vanish at once (`destroy()`: every socket dropped,
 * nothing flushed). Once the survivors see the new ring and repair has run, every key is read
 * from a survivor. Repeated for each of `positions` starting points spread round the ring, each
 * on a fresh ring, with `backupCopies: 4`. Goal: no key lost or rolled back, in every round.
 */
import { ChordSocket, HASH_METHODS, getHashes, type ChordSocketOptions } from '@p2p/chord';
import type { MeshConnection } from '@p2p/mesh';
import { Checks, type ScenarioResult } from '../report';
import { until } from '../wait';

export interface ChordLossOptions {
  nodes: number;
  keys: number;
  killed: number;
  positions: number;
}

const OPTIONS: ChordSocketOptions = { host: '127.0.0.1', handoffOnClose: false, republishDelay: 200, republishInterval: 0, backupCopies: 4 };

const idOf = (n: ChordSocket, x: ChordSocket | MeshConnection | undefined): string | undefined => (x === n ? n.id : (x as MeshConnection | undefined)?.peerId);

/** Live storing nodes in ring order. */
const ordered = (nodes: ChordSocket[]): ChordSocket[] => nodes.filter((n) => !n.closed && n.isStoring).sort((a, b) => (a.idInt < b.idInt ? -1 : 1));

/** Every live node sees its true ring neighbours. */
function settled(nodes: ChordSocket[]): boolean {
  const live = ordered(nodes);
  return live.every((n, i) => idOf(n, n.successor) === live[(i + 1) % live.length]!.id && idOf(n, n.predecessor) === live[(i - 1 + live.length) % live.length]!.id);
}

/** Every slot's values across live nodes, per table: one dumpData per node. */
function holdings(nodes: ChordSocket[]): Map<string, Map<bigint, unknown[]>> {
  const out = new Map<string, Map<bigint, unknown[]>>(HASH_METHODS.map((m) => [m, new Map()]));
  for (const n of nodes) {
    if (n.closed) continue;
    // dumpData(1, 0) is every entry but one at ring key 0; dumpData(0, 1) has that one.
    const [most, rest] = [n.dumpData(1n, 0n), n.dumpData(0n, 1n)];
    for (const m of HASH_METHODS) {
      const mine = new Map(most[m]);
      if (rest[m].has(0n)) mine.set(0n, rest[m].get(0n));
      for (const [k, v] of mine) out.get(m)!.set(k, [...(out.get(m)!.get(k) ?? []), v]);
    }
  }
  return out;
}

/** Per table, how many live nodes hold `key`'s slot with value version `v`. */
function copies(held: Map<string, Map<bigint, unknown[]>>, key: string, v: number): number[] {
  const hashes = getHashes(key);
  return HASH_METHODS.map((m, i) => (held.get(m)!.get(hashes[i]!) ?? []).filter((x) => (x as { v?: number }).v === v).length);
}

/** Waits until no link opened or closed for 400 ms (trimming settles after a ring forms), at most 5 s. */
async function quiet(nodes: ChordSocket[]): Promise<void> {
  let last = Date.now();
  const offs = nodes.flatMap((n) => [n.on('peer:connect', () => (last = Date.now())), n.on('peer:disconnect', () => (last = Date.now()))]);
  try {
    await until(() => Date.now() - last >= 400, 5000);
  } finally {
    for (const off of offs) off();
  }
}

interface Round {
  position: number;
  /** Backup copies held across the ring before the kills. */
  backupsBefore: number;
  lostEntries: number;
  lostKeys: number;
  /** Keys the first read of each missed (read again later). */
  missedFirst: number;
  repairMs: number;
  replicasAfter: number;
  /** Overwrites sent again because the first did not reach every replica. */
  resent: number;
}

async function round(options: ChordLossOptions, position: number): Promise<Round> {
  const { keys: count, killed } = options;
  const nodes: ChordSocket[] = [];
  try {
    for (let i = 0; i < options.nodes; i++) nodes.push(await ChordSocket.listen(OPTIONS));
    for (let i = 1; i < nodes.length; i++) await nodes[i]!.connect(...nodes[i - 1]!.outAddr);
    for (const n of nodes) n.join();
    if (!(await until(() => settled(nodes), 20_000))) throw new Error('the ring did not settle');
    await quiet(nodes);
    const keys = Array.from({ length: count }, (_, i) => `loss-${position}-${i}`);
    const latest = (i: number): { v: number; i: number } => ({ v: i % 4 === 0 ? 2 : 1, i });
    keys.forEach((k, i) => nodes[i % nodes.length]!.set(k, { v: 1, i }));
    const total = (): number => nodes.filter((n) => !n.closed).reduce((s, n) => s + n.storedEntries, 0);
    if (!(await until(() => total() === count * 5, 15_000))) throw new Error(`writes did not land: ${total()} of ${count * 5}`);
    // Writes are unacknowledged (as in py2p): one lost in flight (on a link being trimmed) is sent again, from another node.
    const stale = (): number[] => {
      const held = holdings(nodes);
      return keys.flatMap((k, i) => (copies(held, k, latest(i).v).every((c) => c === 1) ? [] : [i]));
    };
    let resent = 0;
    let pending = keys.flatMap((_, i) => (i % 4 === 0 ? [i] : []));
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt === 3) throw new Error(`overwrites did not reach every replica: ${pending.length} keys, e.g. ${JSON.stringify([1, 2].map((v) => copies(holdings(nodes), keys[pending[0]!]!, v)))}`);
      for (const i of pending) nodes[(i + 5 + attempt) % nodes.length]!.set(keys[i]!, latest(i));
      if (attempt > 0) resent += pending.length;
      await until(() => stale().length === 0, 5000, 250);
      pending = stale();
    }
    // Let backups and the repair after the ring formed finish.
    await new Promise((resolve) => setTimeout(resolve, 1000));

    const backupsBefore = nodes.reduce((s, n) => s + n.backupEntries, 0);
    const ring = ordered(nodes);
    const start = Math.floor((position * ring.length) / options.positions);
    const victims = Array.from({ length: killed }, (_, j) => ring[(start + j) % ring.length]!);
    const lostEntries = victims.reduce((s, n) => s + n.storedEntries, 0);
    const killedAt = Date.now();
    await Promise.all(victims.map((n) => n.destroy()));
    const alive = nodes.filter((n) => !victims.includes(n));
    if (!(await until(() => settled(alive), 20_000))) throw new Error('the survivors did not settle');
    await until(() => total() === count * 5, 20_000);
    const repairMs = Date.now() - killedAt;
    const replicasAfter = total();
    // Read every key from a survivor; one that does not read back is read again (from another
    // survivor) up to twice more, 1 s apart: it counts as lost only if it never does.
    const wrong = async (indexes: number[], attempt: number): Promise<number[]> => {
      const out: number[] = [];
      for (let s = 0; s < indexes.length; s += 50) {
        const batch = indexes.slice(s, s + 50);
        const got = await Promise.all(batch.map((i) => alive[(i + attempt) % alive.length]!.get(keys[i]!, undefined, { timeout: 5000 }).catch((e: unknown) => e)));
        got.forEach((v, j) => {
          if ((v as { v?: number } | undefined)?.v !== latest(batch[j]!).v) out.push(batch[j]!);
        });
      }
      return out;
    };
    let missed = await wrong(keys.map((_, i) => i), 0);
    const missedFirst = missed.length;
    for (let attempt = 1; attempt < 3 && missed.length > 0; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      missed = await wrong(missed, attempt);
    }
    const lostKeys = missed.length;
    return { position: start, backupsBefore, lostEntries, lostKeys, missedFirst, repairMs, replicasAfter, resent };
  } finally {
    await Promise.all(nodes.map((n) => n.destroy()));
  }
}

export async function chordConsecutiveLoss(options: ChordLossOptions): Promise<ScenarioResult> {
  const checks = new Checks();
  const rounds: Round[] = [];
  for (let p = 0; p < options.positions; p++) {
    const r = await round(options, p);
    rounds.push(r);
    checks.check(r.lostKeys === 0, `round at ring position ${r.position}: ${r.lostKeys} of ${options.keys} keys lost or stale`);
    checks.check(r.replicasAfter === options.keys * 5, `round at ring position ${r.position}: ${r.replicasAfter} of ${options.keys * 5} replicas after repair`);
  }
  return checks.result(
    'chord-consecutive-loss',
    `${options.nodes} nodes, ${options.keys} keys, ${options.killed} consecutive ring nodes destroyed at ${options.positions} positions: every key readable at its latest value and all five replicas back`,
    { nodes: options.nodes, keys: options.keys, killed: options.killed, rounds },
  );
}
