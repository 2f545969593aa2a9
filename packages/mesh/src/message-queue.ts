/**
 * The receive queue behind `recv()` and `messages()`: FIFO, bounded in count and in bytes
 * (drop oldest, F3), with
 * async consumers served before anything is queued. Only a message nobody saw counts as dropped:
 * one a `message` listener already had is not a loss when it falls off the queue. Consumers that
 * stop (break, abort) are removed at once, so nothing leaks.
 */

interface Waiter<T> {
  resolve: (result: IteratorResult<T>) => void;
}

/**
 * An item's size for the byte bound: the larger of its `byteLength` (a Message's frame, maybe
 * compressed) and the bytes and text of its `packets` two levels deep (what decoding made).
 */
function defaultSize(item: unknown): number {
  const { byteLength, packets } = (item ?? {}) as { byteLength?: unknown; packets?: unknown };
  const frame = typeof byteLength === 'number' ? byteLength : 0;
  return Math.max(frame, Array.isArray(packets) ? valueBytes(packets, 0) : 0);
}

function valueBytes(value: unknown, depth: number): number {
  if (value instanceof Uint8Array) return value.byteLength;
  if (typeof value === 'string') return value.length;
  let total = 8;
  if (Array.isArray(value) && depth < 2) for (const item of value) total += valueBytes(item, depth + 1);
  return total;
}

export class MessageQueue<T> {
  readonly #max: number;
  readonly #maxBytes: number;
  readonly #sizeOf: (item: T) => number;
  #bytes = 0;
  #items: T[] = [];
  /** Beside `#items`: whether a listener already had the item when it was queued. */
  #seenFlags: boolean[] = [];
  #head = 0;
  readonly #waiters = new Set<Waiter<T>>();
  #closed = false;
  /** Messages nobody received: dropped from a full queue before any listener or consumer had them. */
  dropped = 0;

  constructor(max: number, maxBytes = Infinity, sizeOf: (item: T) => number = defaultSize) {
    this.#max = Math.max(0, max);
    this.#maxBytes = Math.max(0, maxBytes);
    this.#sizeOf = sizeOf;
  }

  get size(): number {
    return this.#items.length - this.#head;
  }

  /** Bytes of the queued items, by their size. */
  get bytes(): number {
    return this.#bytes;
  }

  /**
   * Hands `item` to a waiting consumer, else queues it (unless `queue` is false). `seen` says a
   * listener already had it, so losing it from a full queue is not counted as a drop.
   */
  push(item: T, options: { seen?: boolean; queue?: boolean } = {}): void {
    if (this.#closed) return;
    for (const waiter of this.#waiters) {
      this.#waiters.delete(waiter);
      waiter.resolve({ value: item, done: false });
      return;
    }
    if (options.queue === false) return;
    if (this.#max === 0) {
      if (!options.seen) this.dropped++;
      return;
    }
    this.#items.push(item);
    this.#seenFlags.push(options.seen === true);
    this.#bytes += this.#sizeOf(item);
    while (this.size > this.#max || (this.#bytes > this.#maxBytes && this.size > 0)) {
      if (!this.#seenFlags[this.#head]) this.dropped++;
      this.#removeHead();
    }
    this.#compact();
  }

  shift(): T | undefined {
    if (this.size === 0) return undefined;
    const item = this.#removeHead();
    this.#compact();
    return item;
  }

  #removeHead(): T {
    const item = this.#items[this.#head]!;
    this.#bytes -= this.#sizeOf(item);
    this.#items[this.#head] = undefined as T;
    this.#head++;
    return item;
  }

  /** Up to `n` oldest items. */
  take(n: number): T[] {
    const out: T[] = [];
    while (out.length < n && this.size > 0) out.push(this.shift()!);
    return out;
  }

  /** Ends every consumer; later pushes are ignored. */
  close(): void {
    this.#closed = true;
    for (const waiter of this.#waiters) waiter.resolve({ value: undefined, done: true });
    this.#waiters.clear();
  }

  /** An async iterator that takes items from the queue (shared with `shift`). */
  iterate(signal?: AbortSignal): AsyncIterableIterator<T> {
    let current: Waiter<T> | undefined;
    let finished = false;
    const finish = (): IteratorResult<T> => {
      finished = true;
      signal?.removeEventListener('abort', onAbort);
      if (current) {
        this.#waiters.delete(current);
        current.resolve({ value: undefined, done: true });
        current = undefined;
      }
      return { value: undefined, done: true };
    };
    const onAbort = (): void => {
      finish();
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    const iterator: AsyncIterableIterator<T> = {
      next: () => {
        if (finished || this.#closed || signal?.aborted) return Promise.resolve(finish());
        if (this.size > 0) return Promise.resolve({ value: this.shift()!, done: false });
        return new Promise<IteratorResult<T>>((resolve) => {
          const waiter: Waiter<T> = {
            resolve: (result) => {
              if (current === waiter) current = undefined;
              if (result.done) finish();
              resolve(result);
            },
          };
          current = waiter;
          this.#waiters.add(waiter);
        });
      },
      return: () => Promise.resolve(finish()),
      [Symbol.asyncIterator]() {
        return iterator;
      },
    };
    return iterator;
  }

  #compact(): void {
    if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#seenFlags = this.#seenFlags.slice(this.#head);
      this.#head = 0;
    }
  }
}
