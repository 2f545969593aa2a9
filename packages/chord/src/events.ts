import type { MeshEvents } from '@p2p/mesh';

/** Events of a {@link ChordSocket}: the mesh events plus key announcements (PROTOCOL.md 6.3). */
export type ChordEvents = MeshEvents & {
  /** A key was announced (`notify [key]`), by a peer or by this node's own `set`. */
  add: [event: { key: Uint8Array }];
  /** A key was removed (`notify [key, "del"]`), by a peer or by this node's own `delete`. */
  delete: [event: { key: Uint8Array }];
};
