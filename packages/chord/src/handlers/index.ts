/** Chord's incoming messages, one handler per sub-flag, in py2p's order (PROTOCOL.md 4.7). */
import { SubFlags } from '@p2p/base';
import type { ExtensionHandler } from '@p2p/mesh';
import type { ChordContext } from '../context';
import { BACKUP_BATCH_SUBFLAG, BACKUP_SUBFLAG } from '../messages';
import { handleBackup, handleBackupBatch } from './backup';
import { handleDelta } from './delta';
import { handleMeta } from './meta';
import { handleNotify } from './notify';
import type { ChordHandler } from './parse';
import { handleRetrieve } from './retrieve';
import { handleRetrieved } from './retrieved';
import { handleStore } from './store';

export const CHORD_HANDLERS: ReadonlyMap<number, ChordHandler> = new Map<number, ChordHandler>([
  [SubFlags.handshake, handleMeta],
  [SubFlags.notify, handleNotify],
  [SubFlags.retrieve, handleRetrieve],
  [SubFlags.retrieved, handleRetrieved],
  [SubFlags.store, handleStore],
  [SubFlags.delta, handleDelta],
  [BACKUP_SUBFLAG, handleBackup],
  [BACKUP_BATCH_SUBFLAG, handleBackupBatch],
]);

/** The handlers of one node, by sub-flag, as mesh's extension takes them (`ctx` is read when a message arrives). */
export function chordHandlers(ctx: () => ChordContext): Map<number, ExtensionHandler> {
  const bind =
    (handler: ChordHandler): ExtensionHandler =>
    (message, conn, wire) =>
      handler(ctx(), message, conn, wire);
  return new Map([...CHORD_HANDLERS].map(([flag, handler]) => [flag, bind(handler)]));
}
