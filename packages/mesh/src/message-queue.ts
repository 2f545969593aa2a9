/**
 * The receive queue behind `recv()` and `messages()`: FIFO, bounded (drop oldest, count drops,
 * F3), with async consumers served before anything is queued. Consumers that stop (break,
 * abort) are removed at once, so nothing leaks.
 */

interface Waiter<T> {
  resolve: (result: IteratorResult<T>) => void;
}

export class MessageQueue<T> {
  readonly #max: number;
  #items: T[] = [];
  #head = 0;
  readonly #waiters = new Set<Waiter<T>>();
  #closed = false;
  /** Messages dropped because the queue was full. */
  dropped = 0;

  constructor(max: number) {
    this.#max = Math.max(0, max);
  }

  get size(): number {
    return this.#items.length - this.#head;
  }

  /** Hands `item` to a waiting consumer, else queues it. */
  push(item: T): void {
    if (this.#closed) return;
    for (const waiter of this.#waiters) {
      this.#waiters.delete(waiter);
      waiter.resolve({ value: item, done: false });
      return;
    }
    if (this.#max === 0) {
      this.dropped++;
      return;
    }
    this.#items.push(item);
    if (this.size > this.#max) {
      this.#head++;
      this.dropped++;
    }
    this.#compact();
  }

  shift(): T | undefined {
    if (this.size === 0) return undefined;
    const item = this.#items[this.#head]!;
    this.#items[this.#head] = undefined as T;
    this.#head++;
    this.#compact();
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
      this.#head = 0;
    }
  }
}
