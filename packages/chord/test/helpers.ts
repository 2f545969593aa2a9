/** Shared test helpers: chord rings on loopback with teardown, abrupt kills, fixtures. */
import { afterEach } from 'vitest';
import { Protocol, makeNodeId } from '@p2p/base';
import type { MeshConnection } from '@p2p/mesh';
import { ChordSocket, getHashes, type ChordSocketOptions } from '@p2p/chord';
import { RawPeer, closeAfterEach, readVector, startTestnet, typedVector, waitFor, type Topology } from '@p2p/testnet';

/** Registers anything closable for teardown after the current test. */
export const track = closeAfterEach(afterEach);

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

/** Reads one of the py2p golden vectors (tooling/testnet/vectors). */
export const fixture = <T = any>(name: string): T => readVector<T>(name);

/** Turns the vectors' typed JSON ({bin}, {int}, {map}) into msgpack-ready values. */
export const typed = typedVector;

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

const CHORD_PROTOCOL = new Protocol('chord', 'Plaintext');

/**
 * A joined node and one storing raw peer, for which `pick(a)` finds what the test needs (keys
 * with a given number of tables at the peer, say). The peer's share of the ring is random, and
 * when tiny such keys are rare: up to 8 fresh pairs are tried.
 */
export async function storingPairWhere<T>(pick: (a: ChordSocket) => T | undefined, options: ChordSocketOptions = {}): Promise<{ a: ChordSocket; peer: RawPeer; found: T }> {
  for (let attempt = 0; attempt < 8; attempt++) {
    const a = await node(options);
    a.join();
    const peer = await rawPeer(a);
    rawHandshake(peer, '0');
    await waitFor(() => a.storingPeers().length === 1);
    const found = pick(a);
    if (found !== undefined) return { a, peer, found };
  }
  throw new Error('no pair had what the test needs in 8 tries');
}

/** Keys `name-0`, `name-1`, ... whose tables at nodes other than `a` number exactly `count` (at most `max` of them, from the first 5,000). */
export function keysWithRemoteTables(a: ChordSocket, name: string, count: number, max: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < 5000 && out.length < max; i++) {
    const key = `${name}-${i}`;
    if (getHashes(key).filter((h) => a.find(h) !== a).length === count) out.push(key);
  }
  return out;
}

/** A hand-driven TCP peer (testnet's RawPeer) with a fresh id, connected to `n` and closed after the test. */
export async function rawPeer(n: ChordSocket): Promise<RawPeer> {
  const id = makeNodeId({ outAddr: ['127.0.0.1', 1], protocolId: CHORD_PROTOCOL.id, salt: String(Math.random()) });
  return track(await RawPeer.connect(n.address!.port, { id }));
}

/** Sends the raw peer's chord handshake (no compression, so replies stay readable) and, optionally, meta. */
export function rawHandshake(peer: RawPeer, meta?: '0' | '1'): void {
  peer.sendHandshake(CHORD_PROTOCOL.idBytes());
  if (meta) peer.sendPayload(2, [5, meta]);
}
