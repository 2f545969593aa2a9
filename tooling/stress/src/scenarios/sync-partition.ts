/**
 * Sync partition and heal, with deletes: six nodes in two lines of three joined by two links;
 * the links are cut, each side writes (`writes` keys, `conflicts` of them on both sides) and
 * deletes (its own keys, the other side's keys, keys both sides wrote; with leasing only what it
 * owns), then the same links come back. Goal: all six hold the same dictionary, the expected
 * number of keys, and no deleted key, within 30 s.
 */
import { SyncSocket } from '@p2p/sync';
import { Checks, type ScenarioResult } from '../report';
import { until } from '../wait';

export interface SyncPartitionOptions {
  leasing: boolean;
  writes: number;
  conflicts: number;
}

const td = new TextDecoder();

function snapshot(node: SyncSocket): string {
  return JSON.stringify([...node.entries()].map(([k, v]) => [td.decode(k), v, node.getMeta(k)]).sort((x, y) => (String(x[0]) < String(y[0]) ? -1 : 1)));
}

export async function syncPartition(options: SyncPartitionOptions): Promise<ScenarioResult> {
  const { leasing, writes, conflicts } = options;
  const checks = new Checks();
  const nodes = await Promise.all([...Array(6)].map(() => SyncSocket.listen({ host: '127.0.0.1', leasing, maxOutgoing: 0, limits: { maxPeersPerList: 0 } })));
  const a = nodes.slice(0, 3);
  const b = nodes.slice(3);
  try {
    for (const side of [a, b]) {
      await side[1]!.connect(...side[0]!.outAddr);
      await side[2]!.connect(...side[1]!.outAddr);
    }
    await a[0]!.connect(...b[0]!.outAddr);
    await a[2]!.connect(...b[2]!.outAddr);
    await until(() => nodes.every((n) => n.peers.size === 2), 5000);
    for (let i = 0; i < 6; i++) nodes[i]!.set(`base${i}`, { before: i });
    await until(() => nodes.every((n) => n.size === 6), 5000);
    await new Promise((resolve) => setTimeout(resolve, 1200));

    a[0]!.disconnect(b[0]!.id);
    a[2]!.disconnect(b[2]!.id);
    await until(() => a.every((n) => b.every((m) => !n.peers.has(m.id))), 5000);
    for (const [side, name] of [[a, 'a'], [b, 'b']] as const) {
      for (let i = 0; i < writes - conflicts; i++) side[i % 3]!.set(`${name}${i}`, { side: name, i });
      for (let j = 0; j < conflicts; j++) side[j % 3]!.set(`c${j}`, { side: name, j });
    }
    await new Promise((resolve) => setTimeout(resolve, 1020 - (Date.now() % 1000)));
    const deleted: string[] = [];
    const del = (node: SyncSocket, key: string): void => {
      node.delete(key);
      deleted.push(key);
    };
    const own = Math.max(1, Math.floor(writes / 50));
    for (let i = 0; i < own; i++) del(a[i % 3]!, `a${i}`);
    for (let i = 0; i < own; i++) del(b[i % 3]!, `b${i}`);
    if (leasing) {
      del(a[0]!, 'base0');
      del(b[1]!, 'base4');
    } else {
      del(a[0]!, 'base3');
      del(b[1]!, 'base1');
      const shared = Math.min(conflicts, 10);
      for (let j = 0; j < shared / 2; j++) del(a[j % 3]!, `c${j}`);
      for (let j = shared / 2; j < shared; j++) del(b[j % 3]!, `c${j}`);
    }
    const expected = 6 + 2 * (writes - conflicts) + conflicts - deleted.length;
    await until(() => [a, b].every((side) => side.every((n) => snapshot(n) === snapshot(side[0]!))), 15_000);

    const healed = Date.now();
    await a[0]!.connect(...b[0]!.outAddr);
    await a[2]!.connect(...b[2]!.outAddr);
    const converged = await until(() => {
      const first = snapshot(nodes[0]!);
      return nodes.every((n) => n.size === expected && snapshot(n) === first);
    }, 30_000);
    const seconds = (Date.now() - healed) / 1000;
    const resurrected = deleted.filter((k) => nodes.some((n) => n.has(k)));
    checks.check(converged, `not converged: sizes ${nodes.map((n) => n.size).join(', ')} (expected ${expected})`);
    checks.check(resurrected.length === 0, `deletes came back: ${resurrected.slice(0, 10).join(', ')}`);
    return checks.result(`sync-partition-leasing-${leasing ? 'on' : 'off'}`, 'all 6 nodes converge to one dictionary, every delete kept, within 30 s', {
      leasing,
      writesPerSide: writes,
      conflicting: conflicts,
      deletes: deleted.length,
      keys: expected,
      convergeSeconds: Math.round(seconds * 100) / 100,
      resurrected: resurrected.length,
    });
  } finally {
    await Promise.all(nodes.map((n) => n.close()));
  }
}
