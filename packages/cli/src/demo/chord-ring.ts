/** What the chord steps observe of a ring: whether it settled, what it stores, whether it is quiet. */
import { ChordSocket, type ChordNode } from '@p2p/chord';
import { waitUntil } from '../wait';

/** Undefined once every live storing node sees its true successor and predecessor. */
export function ringPending(ring: readonly ChordSocket[]): string | undefined {
  const live = ring.filter((s) => !s.closed && s.isStoring).sort((a, b) => (a.idInt < b.idInt ? -1 : 1));
  for (let i = 0; i < live.length; i++) {
    const s = live[i]!;
    const succ = live[(i + 1) % live.length]!;
    const pred = live[(i - 1 + live.length) % live.length]!;
    if (idOf(s.successor) !== succ.id || idOf(s.predecessor) !== pred.id) return 'the ring has not settled';
  }
  return undefined;
}

/** Replica entries held across `ring` (five per key once every store landed). */
export function entries(ring: readonly ChordSocket[]): number {
  return ring.reduce((sum, s) => sum + s.storedEntries, 0);
}

/** Waits until no connection opened or closed for a moment: a new ring trims and re-dials briefly. */
export async function quiet(ring: readonly ChordSocket[], ms = 300, timeout = 3_000): Promise<void> {
  let last = Date.now();
  const offs = ring.flatMap((s) => [s.on('peer:connect', () => (last = Date.now())), s.on('peer:disconnect', () => (last = Date.now()))]);
  try {
    await waitUntil(() => (Date.now() - last >= ms ? undefined : 'connections are still changing'), { timeout }).catch(() => undefined);
  } finally {
    for (const off of offs) off();
  }
}

/** A ring neighbour is the socket itself or a connection to a peer. */
function idOf(node: ChordNode | undefined): string | undefined {
  if (node === undefined) return undefined;
  return node instanceof ChordSocket ? node.id : node.peerId;
}
