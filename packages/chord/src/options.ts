import { InvalidArgumentError } from '@p2p/base';
import type { MeshSocketOptions } from '@p2p/mesh';

/** Options of {@link ChordSocket.listen}: every mesh option, plus these. */
export interface ChordSocketOptions extends MeshSocketOptions {
  /**
   * The 2016 API's size parameter. Accepted for source compatibility, ignored (the 0.7 ring is
   * always 2^384 and nothing about it goes on the wire), and warned about (PROTOCOL.md 6.9).
   * @deprecated
   */
  k?: number;
  /**
   * Milliseconds between background replica checks (see the README, "Replication"). 0 turns
   * the periodic check off; changes of the storing-peer set still trigger one.
   * @default 30000
   */
  republishInterval?: number;
  /**
   * Milliseconds to wait after the set of storing peers changed (a peer joined, left or
   * vanished) before checking replicas, so that a burst of changes costs one pass.
   * @default 1000
   */
  republishDelay?: number;
  /**
   * Every n-th periodic check pushes every sibling replica again, even those pushed before, so a
   * store lost in flight (for example on a connection the peer was closing) is healed too. 1 makes
   * every periodic check a full one.
   * @default 10
   */
  fullRepairEvery?: number;
  /**
   * How many storing nodes behind each entry's responsible node keep a backup copy of it
   * (TS-only `whisper / 0x2f`, see the README, "Replication"): the nearest `backupCopies`
   * predecessors, which are, in turn, the nodes that take over the range when the ones ahead of
   * them vanish. With `backupCopies: r`, losing any `r` ring-consecutive storing nodes at once
   * loses no entry whose backups were in place; the default (1) covers one. 0 turns backups off.
   * @default 1
   */
  backupCopies?: number;
  /**
   * How long a `get()` waits for the three tables it asked first before asking the other two
   * (README, "Reads"): a number of milliseconds, or `'adaptive'`, this node's smoothed answer time
   * plus four deviations, between 5 and 250 ms (50 before any answer). A nil, disagreeing or
   * failed answer asks the other two at once whatever this says. 0 asks all five at once, as py2p.
   * @default 'adaptive'
   */
  hedgeDelay?: number | 'adaptive';
  /**
   * Replica repair's sibling probes (retrieves) in flight at once per node, at most a quarter of
   * `maxPendingLookups` (README, "Replication"): a pass checks its entries as earlier probes end.
   * @default 128
   */
  repairProbes?: number;
  /**
   * Retrievals remembered at once (own reads, repair probes and requests forwarded for others).
   * A full table evicts its oldest entry no own read waits on; when every entry is an own read,
   * the new lookup is refused with `LIMIT_EXCEEDED`. @default 4096
   */
  maxPendingLookups?: number;
  /** Milliseconds a retrieval forwarded for another node is remembered. @default 10000 */
  forwardTimeout?: number;
  /** Keys remembered from notify messages; more are refused with `LIMIT_EXCEEDED`. @default 100000 */
  maxKeys?: number;
  /**
   * Run `disconnectLeastEfficient()` after a peer's storing status changed while this node has
   * more than `maxOutgoing` outgoing peers, as py2p does (PROTOCOL.md 6.3, 6.8).
   * @default true
   */
  trimConnections?: boolean;
  /**
   * Milliseconds during which a peer whose connection closed is not dialed again from peers
   * lists, unless it would become this node's ring neighbour. Stops trim/re-dial loops.
   * @default 30000
   */
  redialBackoff?: number;
  /**
   * Finger links kept at most (README, "Routing"): for j = 1..`fingers`, one link to the node
   * nearest the start of the interval `[RING / 2^j, RING / 2^(j-1))` ahead of this one, dialed
   * from peers lists and kept by the socket, so a lookup takes about log2 N / 2 hops instead of
   * O(N). Empty intervals cost nothing: a ring of N nodes has about log2 N fingers. 0 turns
   * fingers off (py2p's rule then decides which peers are dialed, PROTOCOL.md 6.6).
   * @default 16
   */
  fingers?: number;
  /** `close()` first hands stored entries to storing peers, like py2p's destructor calling `unjoin`. @default true */
  handoffOnClose?: boolean;
  /** Milliseconds `unjoin()` (and `close()`) waits for handoff writes to drain. @default 2000 */
  drainTimeout?: number;
}

export const CHORD_DEFAULTS = Object.freeze({
  republishInterval: 30_000,
  republishDelay: 1_000,
  fullRepairEvery: 10,
  backupCopies: 1,
  hedgeDelay: 'adaptive' as number | 'adaptive',
  repairProbes: 128,
  maxPendingLookups: 4096,
  forwardTimeout: 10_000,
  maxKeys: 100_000,
  trimConnections: true,
  redialBackoff: 30_000,
  fingers: 16,
  handoffOnClose: true,
  drainTimeout: 2_000,
});

/** PROTOCOL.md 6.5: default read timeout (ms) and the agreement threshold (more than 5 // 2). */
export const DEFAULT_GET_TIMEOUT = 10_000;
export const AGREEMENT = 3;

/** Every chord setting, defaults filled in. */
export type ChordSettings = { readonly [K in keyof typeof CHORD_DEFAULTS]-?: NonNullable<ChordSocketOptions[K]> };

/** The chord settings of `options`, defaults for the ones not given. */
export function resolveChordSettings(options: ChordSocketOptions): ChordSettings {
  const out: Record<string, unknown> = { ...CHORD_DEFAULTS };
  for (const key of Object.keys(CHORD_DEFAULTS)) {
    const value = (options as Record<string, unknown>)[key];
    if (value !== undefined) out[key] = value;
  }
  const hedge = out.hedgeDelay;
  if (hedge !== 'adaptive' && !(typeof hedge === 'number' && hedge >= 0 && Number.isFinite(hedge))) {
    throw new InvalidArgumentError("hedgeDelay must be 'adaptive' or a number of milliseconds (0 or more)", { details: { hedgeDelay: String(hedge) } });
  }
  return out as ChordSettings;
}
