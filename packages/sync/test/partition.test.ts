/**
 * Partition and heal over real TCP: two groups of three nodes lose the links between them, each
 * writes 500 keys (50 of them on both sides) and deletes some, then the links come back. Every
 * node must end with the same dictionary, and no delete may come back.
 */
import { describe, expect, it } from 'vitest';
import { MainFlags, SubFlags, utf8Encode } from '@p2p/base';
import { eventually, waitFor } from '@p2p/testnet';
import type { SyncSocket } from '@p2p/sync';
import { DELETED_SUBFLAG } from '../src/session-messages';
import { RAW_ID, RawPeer, nextWire, syncNode, text, track } from './helpers';

const WRITES = 500;
const CONFLICTS = 50;

/** Every node's dictionary as comparable text: key, value, owner, timestamp, in key order. */
function snapshot(node: SyncSocket): string {
  return JSON.stringify(
    [...node.entries()]
      .map(([k, v]) => [text(k), v, node.getMeta(k)] as const)
      .sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0)),
  );
}

/** Resolves at the start of the next whole second, so later writes carry a later timestamp. */
async function nextSecond(): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 1000 - (Date.now() % 1000) + 20));
}

async function sixNodes(leasing: boolean) {
  const nodes = await Promise.all([...Array(6)].map(() => syncNode({ leasing, maxOutgoing: 0, limits: { maxPeersPerList: 0 } })));
  const a = nodes.slice(0, 3);
  const b = nodes.slice(3);
  // Two lines a0-a1-a2 and b0-b1-b2, joined by a0-b0 and a2-b2.
  for (const side of [a, b]) {
    await side[1]!.connect(...side[0]!.outAddr);
    await side[2]!.connect(...side[1]!.outAddr);
  }
  await a[0]!.connect(...b[0]!.outAddr);
  await a[2]!.connect(...b[2]!.outAddr);
  await waitFor(() => nodes.every((n) => n.peers.size === 2));
  return { nodes, a, b };
}

async function partitionAndHeal(leasing: boolean) {
  const { nodes, a, b } = await sixNodes(leasing);
  // Before the partition, each side writes a few keys that the other side will delete (leasing
  // off) or that their owners delete (leasing on).
  for (let i = 0; i < 6; i++) nodes[i]!.set(`base${i}`, { before: i });
  await waitFor(() => nodes.every((n) => n.size === 6));
  // Let each join replay be confirmed, so the reconnect below replays only what changed since.
  await new Promise((resolve) => setTimeout(resolve, 200));

  a[0]!.disconnect(b[0]!.id);
  a[2]!.disconnect(b[2]!.id);
  await waitFor(() => a.every((n) => b.every((m) => !n.peers.has(m.id))));

  const write = (side: SyncSocket[], name: string) => {
    for (let i = 0; i < WRITES - CONFLICTS; i++) side[i % 3]!.set(`${name}${i}`, { side: name, i });
    for (let j = 0; j < CONFLICTS; j++) side[j % 3]!.set(`c${j}`, { side: name, j });
  };
  write(a, 'a');
  write(b, 'b');
  await nextSecond();
  // Deletes, all later than every write of the other side.
  const deleted: string[] = [];
  const del = (node: SyncSocket, key: string) => {
    node.delete(key);
    deleted.push(key);
  };
  for (let i = 0; i < 10; i++) del(a[i % 3]!, `a${i}`);
  for (let i = 0; i < 10; i++) del(b[i % 3]!, `b${i}`);
  if (leasing) {
    // Only the owner may delete: base0..2 were written on side a, base3..5 on side b.
    del(a[0]!, 'base0');
    del(b[1]!, 'base4');
  } else {
    // The other side's keys and keys both sides wrote: the later delete must win everywhere.
    del(a[0]!, 'base3');
    del(b[1]!, 'base1');
    for (let j = 0; j < 5; j++) del(a[j % 3]!, `c${j}`);
    for (let j = 5; j < 10; j++) del(b[j % 3]!, `c${j}`);
  }
  const expectedSize = 6 + 2 * (WRITES - CONFLICTS) + CONFLICTS - deleted.length;
  await waitFor(() => [a, b].every((side) => side.every((n) => snapshot(n) === snapshot(side[0]!))), { timeout: 10_000 });

  // Heal: the same two links again.
  await a[0]!.connect(...b[0]!.outAddr);
  await a[2]!.connect(...b[2]!.outAddr);
  await eventually(
    () => {
      const first = snapshot(nodes[0]!);
      for (const n of nodes) {
        expect(n.size).toBe(expectedSize);
        expect(snapshot(n)).toBe(first);
        for (const key of deleted) expect(n.has(key), key).toBe(false);
      }
    },
    { timeout: 15_000, interval: 100 },
  );
  for (const n of nodes) expect(n.status).toBe('Nominal');
  return { nodes, deleted };
}

describe('partition and heal, 6 nodes, 500 writes a side, 50 conflicting keys, deletes on both sides', () => {
  it('leasing off: all six converge, every delete kept', async () => {
    const { nodes } = await partitionAndHeal(false);
    // Conflicting keys went to one side's write or stayed deleted: never a mix between nodes.
    for (let j = 10; j < CONFLICTS; j++) expect(['a', 'b']).toContain((nodes[0]!.get(`c${j}`) as { side: string }).side);
  }, 40_000);

  it('leasing on: all six converge, every delete kept', async () => {
    await partitionAndHeal(true);
  }, 40_000);
});

describe('a delete racing a join replay', () => {
  it('an older replayed value loses to the delete, and the replayer is answered with it; a newer one wins', async () => {
    const node = await syncNode({ leasing: false });
    const writer = await syncNode({ leasing: false });
    await writer.connect(...node.outAddr);
    writer.set('x', 'first');
    await waitFor(() => node.get('x') === 'first');
    const written = writer.getMeta('x')!.timestamp;
    await new Promise((resolve) => setTimeout(resolve, 1020 - (Date.now() % 1000)));
    node.delete('x');
    await waitFor(() => !writer.has('x'));
    expect(node.tombstoneCount).toBe(1);

    // A peer that missed the delete replays the value it holds, as a join replay does.
    const raw = track(await RawPeer.handshake(node));
    await waitFor(() => node.peers.has(RAW_ID));
    raw.sendPayload(MainFlags.whisper, [SubFlags.store, utf8Encode('x'), 'first', utf8Encode(writer.id), written]);
    const answer = await nextWire(raw, (w) => w.payload[0] === DELETED_SUBFLAG && text(w.payload[1] as Uint8Array) === 'x');
    expect(answer.payload[2]).toEqual(utf8Encode(node.id));
    expect(node.has('x')).toBe(false);
    expect(writer.has('x')).toBe(false);

    // A value written after the delete wins over it.
    raw.sendPayload(MainFlags.whisper, [SubFlags.store, utf8Encode('x'), 'later', utf8Encode(RAW_ID), Math.floor(Date.now() / 1000) + 5]);
    await waitFor(() => node.get('x') === 'later' && writer.get('x') === 'later');
    expect(node.tombstoneCount).toBe(0);
  });
});
