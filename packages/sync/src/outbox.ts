/**
 * Local writes leave once per tick: `set()` updates the local copy and queues its broadcast
 * here; one microtask sends everything queued, in order, one message per write (the wire is
 * the same as sending each at once). Anything else sync sends (replays, marks, answers) flushes
 * first, so no message of this node overtakes an earlier write.
 */
/** One queued broadcast: `broadcast / type [...packets]`, made at `atMs` (its message carries that time). */
export interface PendingWrite {
  readonly type: number;
  readonly packets: readonly unknown[];
  readonly atMs: number;
}

/** Writes that may wait for the flush; one more flushes the queue at once (a bound, not a refusal). */
export const MAX_PENDING_WRITES = 1024;

export class Outbox {
  readonly #send: (write: PendingWrite) => void;
  readonly #report: (error: unknown) => void;
  #queue: PendingWrite[] = [];
  #scheduled = false;

  constructor(options: { send: (write: PendingWrite) => void; report: (error: unknown) => void }) {
    this.#send = options.send;
    this.#report = options.report;
  }

  /** Writes waiting for the flush. */
  get size(): number {
    return this.#queue.length;
  }

  push(write: PendingWrite): void {
    if (this.#queue.length >= MAX_PENDING_WRITES) this.flush();
    this.#queue.push(write);
    if (!this.#scheduled) {
      this.#scheduled = true;
      queueMicrotask(this.#onTick);
    }
  }

  /** Sends every queued write now, in order. */
  flush(): void {
    while (this.#queue.length > 0) {
      const queue = this.#queue;
      this.#queue = [];
      for (const write of queue) {
        try {
          this.#send(write);
        } catch (err) {
          // Sizes are checked before a write is queued, values are pre-encoded: not expected.
          this.#report(err);
        }
      }
    }
  }

  /** Forgets what is queued (the socket was destroyed or closed). */
  clear(): void {
    this.#queue = [];
  }

  readonly #onTick = (): void => {
    this.#scheduled = false;
    this.flush();
  };
}
