/**
 * Where the outboxes of one node cut their write batches from (outbox.ts): pieces of a shared
 * slab, handed out one after the other and never reused, so a batch of small frames costs a
 * view and a copy instead of a buffer of its own (an allocation per batch was most of the
 * cost of batching ~100-byte frames). The slab is held weakly: once the transports have let go
 * of every batch cut from it, an idle node's slab is collected, and the next batch starts a new one.
 */

/** One slab: many batches of small frames. */
export const SLAB_BYTES = 16 * 1024;
/** A batch larger than this gets a buffer of its own (it would waste much of a slab). */
export const MAX_PIECE_BYTES = 4 * 1024;

export class BatchSlab {
  #slab: WeakRef<ArrayBuffer> | undefined;
  #offset = 0;

  /** A fresh, zeroed region of `bytes` bytes, not shared with any earlier one. */
  take(bytes: number): Uint8Array {
    if (bytes > MAX_PIECE_BYTES) return new Uint8Array(bytes);
    let slab = this.#slab?.deref();
    if (slab === undefined || this.#offset + bytes > slab.byteLength) {
      slab = new ArrayBuffer(SLAB_BYTES);
      this.#slab = new WeakRef(slab);
      this.#offset = 0;
    }
    const piece = new Uint8Array(slab, this.#offset, bytes);
    this.#offset += bytes;
    return piece;
  }
}
