/** Chord rings of 4-5 nodes (the distributed hash table), run once per transport. */
import { describe, expect, it } from 'vitest';
import type { MeshConnection } from '@p2p/mesh';
import { ChordSocket, getHashes, type ChordSocketOptions } from '@p2p/chord';
import { eventually, startTestnet, waitFor } from '@p2p/testnet';
import { TRANSPORTS, protocol, track, type Encryption } from './transports';

/** Quick settings for tests: no handoff on teardown, fast replica repair, no periodic pass. */
const FAST: ChordSocketOptions = { handoffOnClose: false, republishDelay: 150, republishInterval: 0 };

const chordNode = (encryption: Encryption): Promise<ChordSocket> =>
  ChordSocket.listen({ ...FAST, protocol: protocol('chord', encryption) }).then(track);

const idOf = (self: ChordSocket, n: ChordSocket | MeshConnection | undefined): string | undefined =>
  n === undefined ? undefined : n === self ? self.id : (n as MeshConnection).peerId;

/** Until every storing node sees its true successor and predecessor among `nodes`. */
async function settled(nodes: ChordSocket[]): Promise<void> {
  await waitFor(
    () => {
      const live = nodes.filter((n) => n.isStoring).sort((a, b) => (a.idInt < b.idInt ? -1 : 1));
      return live.every((n, i) => {
        const succ = live[(i + 1) % live.length]!;
        const pred = live[(i - 1 + live.length) % live.length]!;
        return idOf(n, n.successor) === succ.id && idOf(n, n.predecessor) === pred.id;
      });
    },
    { timeout: 10_000, interval: 20, message: 'ring did not settle' },
  );
}

/**
 * Until no connection opened or closed for `ms`: right after a ring forms, trimming and re-dials
 * churn for a moment, and writes whispered on a link being closed are lost (no acknowledgements).
 */
async function quiet(nodes: ChordSocket[], ms = 300): Promise<void> {
  let last = Date.now();
  const offs = nodes.flatMap((n) => [n.on('peer:connect', () => (last = Date.now())), n.on('peer:disconnect', () => (last = Date.now()))]);
  try {
    await waitFor(() => Date.now() - last >= ms, { timeout: 5000, interval: 20 }).catch(() => undefined);
  } finally {
    for (const off of offs) off();
  }
}

/** `count` joined nodes, dialed in a line, settled into a ring. */
async function ring(encryption: Encryption, count: number): Promise<ChordSocket[]> {
  const net = track(await startTestnet({ count, topology: 'line', start: () => chordNode(encryption) }));
  for (const n of net.nodes) n.join();
  await settled(net.nodes);
  await quiet(net.nodes);
  return net.nodes;
}

const pick = <T>(xs: T[], i: number): T => xs[i % xs.length]!;
const text = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);
const totalEntries = (nodes: ChordSocket[]): number => nodes.reduce((sum, n) => sum + n.storedEntries, 0);

describe.each(TRANSPORTS)('chord over %s', (encryption) => {
  it('a ring of 4: set anywhere, get anywhere, update, delete; five replicas per key', async () => {
    const nodes = await ring(encryption, 4);
    for (const n of nodes) {
      expect(n.protocol).toMatchObject({ subnet: 'chord', encryption });
      for (const conn of n.peers.values()) expect(conn.encrypted).toBe(encryption === 'SSL');
    }
    const keys = Array.from({ length: 8 }, (_, i) => `key-${i}`);
    keys.forEach((k, i) => pick(nodes, i).set(k, { n: i, text: `value ${i}` }));
    for (const [i, k] of keys.entries()) {
      for (const n of nodes) await eventually(async () => expect(await n.get(k, undefined, { timeout: 3000 })).toEqual({ n: i, text: `value ${i}` }));
    }
    await waitFor(() => nodes.every((n) => [...n.keys()].length === keys.length));
    await waitFor(() => totalEntries(nodes) === keys.length * 5, { message: `replicas: ${totalEntries(nodes)}` });

    pick(nodes, 1).update([[keys[0]!, 'changed'], [keys[1]!, new Uint8Array([1, 2, 3])]]);
    for (const n of nodes) {
      await eventually(async () => expect(await n.get(keys[0]!, undefined, { timeout: 3000 })).toBe('changed'));
      await eventually(async () => expect(await n.get(keys[1]!, undefined, { timeout: 3000 })).toEqual(new Uint8Array([1, 2, 3])));
    }

    const deleted = new Promise<Uint8Array>((resolve) => pick(nodes, 3).once('delete', ({ key }) => resolve(key)));
    pick(nodes, 2).delete(keys[2]!);
    expect(text(await deleted)).toBe(keys[2]);
    for (const n of nodes) {
      await eventually(async () => expect(await n.get(keys[2]!, 'gone', { timeout: 300 })).toBe('gone'));
      expect([...n.keys()].map(text)).not.toContain(keys[2]);
    }
    await waitFor(() => totalEntries(nodes) === (keys.length - 1) * 5, { message: `replicas: ${totalEntries(nodes)}` });
  });

  it('a fifth node joins late, takes over its share and reads every key', async () => {
    const nodes = await ring(encryption, 4);
    const keys = Array.from({ length: 20 }, (_, i) => `join-${i}`);
    keys.forEach((k, i) => pick(nodes, i).set(k, i));
    await waitFor(() => totalEntries(nodes) === keys.length * 5, { message: `replicas: ${totalEntries(nodes)}` });

    const newcomer = await chordNode(encryption);
    await newcomer.connect(...nodes[0]!.outAddr, { timeout: 3000 });
    newcomer.join();
    const all = [...nodes, newcomer];
    await settled(all);
    const mine = keys.flatMap((k) => getHashes(k)).filter((h) => newcomer.find(h) === newcomer).length;
    await waitFor(() => newcomer.storedEntries === mine, { message: `newcomer holds ${newcomer.storedEntries} of ${mine}` });
    await waitFor(() => totalEntries(all) === keys.length * 5, { message: `replicas: ${totalEntries(all)}` });
    for (const conn of newcomer.peers.values()) expect(conn.encrypted).toBe(encryption === 'SSL');
    for (const [i, k] of keys.entries()) expect(await newcomer.get(k, undefined, { timeout: 3000 })).toBe(i);
    for (const [i, k] of keys.entries()) expect(await pick(nodes, i).get(k, undefined, { timeout: 3000 })).toBe(i);
  });
});
