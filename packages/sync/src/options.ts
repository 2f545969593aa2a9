import type { MeshSocketOptions } from '@p2p/mesh';

/** Options of {@link SyncSocket.listen}: the mesh's, plus `leasing`. */
export interface SyncSocketOptions extends MeshSocketOptions {
  /**
   * One-hour leases (PROTOCOL.md 5.2): only the last writer may change a key until an hour after
   * its write. Off: the newest write wins. Nodes with different settings cannot connect (the
   * protocol id differs: subnet + "1" or "0").
   * @default true
   */
  leasing?: boolean;
  /**
   * How long a delete is remembered (seconds, by the delete's timestamp), so an older value
   * coming back from a peer that missed the delete loses to it. A partition longer than this
   * may bring deleted keys back.
   * @default 86400
   */
  tombstoneSeconds?: number;
  /**
   * Most deletes remembered; beyond it the oldest recorded eighth is forgotten at once.
   * @default 100000
   */
  maxTombstones?: number;
}
