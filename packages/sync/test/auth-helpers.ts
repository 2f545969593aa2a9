/** Authenticated-subnet test pieces: honest sync nodes, a hostile mesh node of the same subnet, metric reads. */
import { Identity, Protocol, type Clock, type MetricsSnapshot } from '@p2p/base';
import { MeshSocket } from '@p2p/mesh';
import { waitFor } from '@p2p/testnet';
import type { SyncSocket, SyncSocketOptions } from '@p2p/sync';
import { syncNode, track } from './helpers';

/** The sync protocol the honest nodes are given (leasing adds the digit: subnet `authsync1`). */
export const AUTH_SYNC = new Protocol('authsync', 'Plaintext', { auth: true });

/** An honest sync node of {@link AUTH_SYNC} (its identity generated unless given). */
export function authNode(options: SyncSocketOptions = {}): Promise<SyncSocket> {
  return syncNode({ protocol: AUTH_SYNC, maxOutgoing: 0, ...options });
}

/**
 * A hostile node: a plain mesh node of the sync nodes' very subnet, with a key of its own, so
 * its handshake proof and every mesh signature it makes are valid; what it says inside sync's
 * messages is up to the test.
 */
export async function hostileNode(options: { clock?: Clock; identity?: Identity } = {}): Promise<MeshSocket> {
  const protocol = new Protocol(`${AUTH_SYNC.subnet}1`, AUTH_SYNC.encryption, { auth: true });
  return track(await MeshSocket.listen({ protocol, maxOutgoing: 0, identity: options.identity ?? Identity.generate(), clock: options.clock }));
}

/** Dials `to` from `from` and waits until both have filed the other. */
export async function link(from: MeshSocket, to: MeshSocket): Promise<void> {
  await from.connect(...to.outAddr);
  await waitFor(() => from.peers.has(to.id) && to.peers.has(from.id));
}

/** The sum of a counter's series with these labels (0 when absent). */
export function count(socket: MeshSocket, name: string, labels: Record<string, string> = {}): number {
  const snap: MetricsSnapshot = socket.metrics();
  const metric = snap.metrics.find((m) => m.name === name);
  if (!metric || metric.kind === 'histogram') return 0;
  return metric.series.filter((s) => Object.entries(labels).every(([k, v]) => s.labels[k] === v)).reduce((n, s) => n + s.value, 0);
}

/** Sync's forged-write counter. */
export const forged = (socket: MeshSocket, origin?: 'live' | 'replay'): number =>
  count(socket, 'p2p_sync_signature_refusals_total', origin === undefined ? {} : { origin });
