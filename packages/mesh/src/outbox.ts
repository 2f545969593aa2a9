/**
 * A link's outgoing bytes on their way to the transport. What is queued in one tick leaves in
 * one write (one syscall instead of one per frame; the parts copied into a piece of the node's
 * slab, batch-slab.ts), in batches of about FLUSH_BYTES, as fast as
 * the transport takes them: once it holds TRANSPORT_BYTES and asks to wait (`write()` false),
 * the rest stays here until its `drain`. So the transport holds little, and what the peer has
 * taken is visible to the slow-peer rule (slow-peer.ts).
 */
import type { TransportConnection } from '@p2p/base';
import type { BatchSlab } from './batch-slab';

/** A batch is written once it reaches this size (else at the end of the tick). */
const FLUSH_BYTES = 64 * 1024;
/** The outbox feeds the transport until it holds this much, then waits for its `drain`. */
const TRANSPORT_BYTES = 512 * 1024;
const EMPTY = new Uint8Array(0);

export class Outbox {
  readonly #transport: TransportConnection;
  readonly #onFlushed: () => void;
  readonly #slab: BatchSlab;
  /** Parts not handed to the transport yet, oldest from `#head`. */
  #parts: Uint8Array[] = [];
  #head = 0;
  #bytes = 0;
  #flushQueued = false;
  /** The transport's write() returned false with TRANSPORT_BYTES held: wait for its `drain`. */
  #waitingDrain = false;

  /** `onFlushed` runs after every flush (the queue shrank); batches of several parts are cut from `slab`. */
  constructor(transport: TransportConnection, slab: BatchSlab, onFlushed: () => void) {
    this.#transport = transport;
    this.#slab = slab;
    this.#onFlushed = onFlushed;
    transport.on('drain', () => {
      this.#waitingDrain = false;
      this.flush();
    });
  }

  /** Bytes queued here, not yet handed to the transport. */
  get bytes(): number {
    return this.#bytes;
  }

  /** Queues `bytes` (kept as they are: the caller must not change them). Returns their length. */
  push(bytes: Uint8Array): number {
    this.#parts.push(bytes);
    this.#bytes += bytes.length;
    if (!this.#waitingDrain) {
      if (this.#bytes >= FLUSH_BYTES) this.flush();
      else if (!this.#flushQueued) {
        this.#flushQueued = true;
        queueMicrotask(this.#queuedFlush);
      }
    }
    return bytes.length;
  }

  readonly #queuedFlush = (): void => this.flush();

  /** Hands batches to the transport until it asks to wait; `all` writes everything (a graceful close). */
  flush(all = false): void {
    this.#flushQueued = false;
    const transport = this.#transport;
    const parts = this.#parts;
    while (this.#head < parts.length && (all || !this.#waitingDrain) && !transport.closed) {
      const start = this.#head;
      let bytes = 0;
      let end = start;
      while (end < parts.length && (end === start || bytes + parts[end]!.length <= FLUSH_BYTES)) bytes += parts[end++]!.length;
      const batch = end - start === 1 ? parts[start]! : join(parts, start, end, this.#slab.take(bytes));
      for (let i = start; i < end; i++) parts[i] = EMPTY;
      this.#head = end;
      this.#bytes -= bytes;
      // A write() false with this much held: the transport's `drain` follows.
      if (!transport.write(batch) && transport.writableLength >= TRANSPORT_BYTES) this.#waitingDrain = true;
    }
    if (this.#head === parts.length) {
      this.#parts = [];
      this.#head = 0;
    } else if (this.#head > 4096 && this.#head * 2 > parts.length) {
      this.#parts = parts.slice(this.#head);
      this.#head = 0;
    }
    this.#onFlushed();
  }

  /** Discards everything queued (the link was dropped). */
  clear(): void {
    this.#parts = [];
    this.#head = 0;
    this.#bytes = 0;
  }
}

function join(parts: readonly Uint8Array[], start: number, end: number, joined: Uint8Array): Uint8Array {
  let offset = 0;
  for (let i = start; i < end; i++) {
    joined.set(parts[i]!, offset);
    offset += parts[i]!.length;
  }
  return joined;
}
