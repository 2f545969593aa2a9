/** Shared test helpers: chord rings on loopback with teardown, abrupt kills, fixtures. */
import { readFileSync } from 'node:fs';
import { afterEach } from 'vitest';
import { fromHex } from '@p2p/base';
import type { MeshConnection } from '@p2p/mesh';
import { ChordSocket, type ChordSocketOptions } from '@p2p/chord';
import { startTestnet, waitFor, type Topology } from '@p2p/testnet';

const open = new Set<{ close(): Promise<void> | void }>();

afterEach(async () => {
  const all = [...open];
  open.clear();
  await Promise.allSettled(all.map((n) => n.close()));
});

export function track<T extends { close(): Promise<void> | void }>(thing: T): T {
  open.add(thing);
  return thing;
}

/** Quick settings for tests: no handoff on teardown, fast replica repair. */
export const FAST: ChordSocketOptions = { handoffOnClose: false, republishDelay: 150, republishInterval: 0 };

export async function node(options: ChordSocketOptions = {}): Promise<ChordSocket> {
  return track(await ChordSocket.listen({ ...FAST, ...options }));
}

/** `count` joined nodes connected in a line, waited until every node sees its true ring neighbours. */
export async function ring(count: number, options: ChordSocketOptions = {}, topology: Topology = 'line'): Promise<ChordSocket[]> {
  const net = await startTestnet({ count, topology, start: async () => track(await ChordSocket.listen({ ...FAST, ...options })) });
  for (const n of net.nodes) n.join();
  await settled(net.nodes);
  await quiet(net.nodes);
  return net.nodes;
}

/** The id of a find()/successor result. */
export function idOf(socket: ChordSocket, n: ChordSocket | MeshConnection | undefined): string | undefined {
  if (n === undefined) return undefined;
  return n === socket ? socket.id : (n as MeshConnection).peerId;
}

/** Waits until every live storing node sees its true successor and predecessor among `nodes`. */
export async function settled(nodes: ChordSocket[], timeout = 15_000): Promise<void> {
  await waitFor(
    () => {
      const live = nodes.filter((n) => !n.closed && n.isStoring).sort((a, b) => (a.idInt < b.idInt ? -1 : 1));
      return live.every((n, i) => {
        const succ = live[(i + 1) % live.length]!;
        const pred = live[(i - 1 + live.length) % live.length]!;
        return idOf(n, n.successor) === succ.id && idOf(n, n.predecessor) === pred.id;
      });
    },
    { timeout, interval: 20, message: 'ring did not settle' },
  );
}

/** Vanishes without a word: every socket destroyed at once, nothing flushed, then closed. */
export async function kill(n: ChordSocket): Promise<void> {
  for (const conn of [...n.peers.values(), ...n.pendingConnections]) conn.destroy();
  await n.close();
}

export function fixture<T = any>(name: string): T {
  return JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8')) as T;
}

/** Turns the vectors' typed JSON ({bin}, {int}, {map}) into msgpack-ready values. */
export function typed(value: any): unknown {
  if (Array.isArray(value)) return value.map(typed);
  if (value !== null && typeof value === 'object') {
    if ('bin' in value) return fromHex(value.bin);
    if ('int' in value) return BigInt(value.int);
    if ('map' in value) return new Map(value.map.map(([k, v]: [any, any]) => [typed(k), typed(v)]));
  }
  return value;
}

/**
 * Waits until no connection opened or closed for `ms` (bounded by `timeout`): right after a ring
 * forms, trimming (disconnectLeastEfficient) and re-dials churn for a moment, and whispers in
 * flight on a connection its receiver is closing are lost (there are no acknowledgements).
 */
export async function quiet(nodes: ChordSocket[], ms = 400, timeout = 5000): Promise<void> {
  let last = Date.now();
  const offs = nodes.flatMap((n) => [n.on('peer:connect', () => (last = Date.now())), n.on('peer:disconnect', () => (last = Date.now()))]);
  try {
    await waitFor(() => Date.now() - last >= ms, { timeout, interval: 20 }).catch(() => undefined);
  } finally {
    for (const off of offs) off();
  }
}
