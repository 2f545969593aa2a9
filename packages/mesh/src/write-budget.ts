/**
 * The node-wide account of bytes queued for peers (every link's outbox plus what its transport
 * still holds), the rule that paces a sender (`full` while some link is over
 * `writeHighWaterBytes`, `drain` once none is) and the node budget (`maxNodeWriteBytes`) past
 * which a local send throws. Relays are bounded per link instead (link.ts, `maxWriteBufferBytes`).
 */
import { AbortError, LimitExceededError, TimeoutError, type Clock } from '@p2p/base';
import type { ResolvedLimits } from './options';

export class WriteBudget {
  readonly #limits: ResolvedLimits;
  /** Bytes queued for all peers of this node, as last measured per link. */
  queued = 0;
  /** Relayed frames not queued for a peer that already had `maxWriteBufferBytes` queued. */
  droppedWrites = 0;
  /** Links over the high-water mark. */
  readonly #full = new Set<object>();
  readonly #drainListeners = new Set<() => void>();

  constructor(limits: ResolvedLimits) {
    this.#limits = limits;
  }

  /**
   * A local send of `bytes` in all must fit the node budget; nothing is written otherwise.
   * @throws LimitExceededError (`LIMIT_EXCEEDED`)
   */
  assertRoom(bytes: number): void {
    const max = this.#limits.maxNodeWriteBytes;
    if (this.queued + bytes <= max) return;
    throw new LimitExceededError(`${this.queued} bytes are queued for peers and ${bytes} more would exceed maxNodeWriteBytes (${max}); nothing was sent: await drained()`, {
      details: { queued: this.queued, bytes, maxNodeWriteBytes: max },
    });
  }

  /** A link's queue changed from `before` to `after` bytes. */
  account(link: object, before: number, after: number): void {
    this.queued += after - before;
    if (after > this.#limits.writeHighWaterBytes) this.#full.add(link);
    else if (this.#full.delete(link) && this.#full.size === 0) this.#emitDrain();
  }

  /** A link is gone: its bytes no longer count. */
  release(link: object, bytes: number): void {
    this.queued -= bytes;
    if (this.#full.delete(link) && this.#full.size === 0) this.#emitDrain();
  }

  /** True while some link is over the high-water mark. */
  get full(): boolean {
    return this.#full.size > 0;
  }

  /**
   * Resolves at once when no link is over the high-water mark, else at the next drain (every
   * such link went under it, or was dropped). Rejects with TIMEOUT / ABORTED.
   */
  drained(clock: Clock, options: { signal?: AbortSignal; timeout?: number } = {}): Promise<void> {
    const { signal, timeout } = options;
    if (signal?.aborted) return Promise.reject(new AbortError('drained() was aborted', { cause: signal.reason }));
    if (!this.full) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const timer = timeout === undefined ? undefined : clock.setTimeout(() => done(new TimeoutError(`peers did not drain within ${timeout} ms`, { details: { timeout } })), timeout);
      const onAbort = (): void => done(new AbortError('drained() was aborted', { cause: signal?.reason }));
      const off = this.onDrain(() => done());
      function done(error?: Error): void {
        off();
        if (timer !== undefined) clock.clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        if (error) reject(error);
        else resolve();
      }
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  onDrain(listener: () => void): () => void {
    this.#drainListeners.add(listener);
    return () => void this.#drainListeners.delete(listener);
  }

  #emitDrain(): void {
    for (const listener of [...this.#drainListeners]) listener();
  }
}
