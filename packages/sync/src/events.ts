import type { MeshEvents } from '@p2p/mesh';
import type { SyncMeta } from './lease';

/** What an `update` event carries. */
export interface SyncUpdate {
  /** The key's bytes (text keys arrive as their UTF-8). */
  readonly key: Uint8Array;
  /** The new value; for a delta, the whole merged map. */
  readonly value: unknown;
  readonly meta: SyncMeta;
}

/** What a `delete` event carries. */
export interface SyncDelete {
  readonly key: Uint8Array;
}

/** Events of a {@link SyncSocket}: the mesh's, plus `update` and `delete`. */
export type SyncEvents = MeshEvents & {
  /** A store or delta was accepted, local or remote (PROTOCOL.md 5.5). */
  update: [update: SyncUpdate];
  /** A delete was accepted, local or remote. */
  delete: [event: SyncDelete];
};
