/**
 * Backup copies on their way to the nodes behind (README, "Replication"): the copies of one tick
 * for one link go out together at its end, as one `0x2b` message (a single copy as `0x2f`), so a
 * burst of writes costs the node behind a few frames instead of one per entry. A batch is sent
 * early once it holds {@link MAX_BATCH_COPIES} copies or would outgrow one frame.
 */
import { isP2PError } from '@p2p/base';
import type { MeshConnection, MeshHost } from '@p2p/mesh';
import { WRITE_OVERHEAD_BYTES, backupBatchMessage, sendMessage } from './messages';

/** Copies per `0x2b` message at most. */
export const MAX_BATCH_COPIES = 512;
/** What one copy adds to a message besides its value: method, 512-bit key in base58, headers (an upper bound). */
const COPY_OVERHEAD_BYTES = 128;

interface Batch {
  /** The concatenated `[method, key, value]` fields of the copies. */
  readonly fields: unknown[];
  count: number;
  bytes: number;
}

export class BackupOutbox {
  readonly #host: Pick<MeshHost, 'sendTo' | 'limits' | 'reportError'>;
  readonly #batches = new Map<MeshConnection, Batch>();

  constructor(host: Pick<MeshHost, 'sendTo' | 'limits' | 'reportError'>) {
    this.#host = host;
  }

  /** Queues one copy for `conn`: `fields` as `backupFields` builds them, `valueBytes` the encoded value's size. */
  add(conn: MeshConnection, fields: readonly unknown[], valueBytes: number): void {
    const bytes = valueBytes + COPY_OVERHEAD_BYTES;
    let batch = this.#batches.get(conn);
    if (batch && batch.bytes + bytes > this.#host.limits.maxFrameBytes - WRITE_OVERHEAD_BYTES) {
      this.#send(conn, batch);
      batch = undefined;
    }
    if (!batch) {
      if (this.#batches.size === 0) queueMicrotask(() => this.flush());
      batch = { fields: [], count: 0, bytes: 0 };
      this.#batches.set(conn, batch);
    }
    for (let i = 0; i < fields.length; i++) batch.fields.push(fields[i]);
    batch.count++;
    batch.bytes += bytes;
    if (batch.count >= MAX_BATCH_COPIES) this.#send(conn, batch);
  }

  /** Sends every queued copy now. */
  flush(): void {
    for (const [conn, batch] of [...this.#batches]) this.#send(conn, batch);
  }

  #send(conn: MeshConnection, batch: Batch): void {
    this.#batches.delete(conn);
    try {
      sendMessage(this.#host, conn, backupBatchMessage(batch.fields));
    } catch (err) {
      // Nobody waits on a backup: a copy that cannot go out is reported; repair sends it again.
      if (!isP2PError(err)) throw err;
      this.#host.reportError(err);
    }
  }
}
