/**
 * Paces replica repair (README, "Replication"): the probes of a pass come from a lazy source and
 * at most `limit` run at once; each one that ends starts the next, so a pass over any number of
 * entries keeps a bounded number of retrievals pending. Pure: no clock, no network.
 */

/** One unit of paced work; calls `done` once when it no longer holds anything. */
export type PacedTask = (done: () => void) => void;

export class RepairPacer {
  readonly #limit: number;
  #source: Iterator<PacedTask> | undefined;
  #onIdle: (() => void) | undefined;
  #inFlight = 0;
  #pumping = false;
  /** Bumped by stop(): a task of an earlier run that ends late frees nothing of this one. */
  #run = 0;

  constructor(limit: number) {
    this.#limit = Math.max(1, Math.floor(limit));
  }

  /** Tasks at most in flight. */
  get limit(): number {
    return this.#limit;
  }

  /** Tasks started and not done. */
  get inFlight(): number {
    return this.#inFlight;
  }

  /** A run is going (tasks left in its source, or in flight). */
  get busy(): boolean {
    return this.#source !== undefined || this.#inFlight > 0;
  }

  /** Runs every task of `source`; `onIdle` once the last one is done. Only when not busy. */
  start(source: Iterator<PacedTask>, onIdle: () => void): void {
    if (this.busy) throw new Error('a paced run is still going');
    this.#source = source;
    this.#onIdle = onIdle;
    this.#pump();
  }

  /** Forgets the run: nothing more starts, `onIdle` is not called. */
  stop(): void {
    this.#run++;
    this.#source = undefined;
    this.#onIdle = undefined;
    this.#inFlight = 0;
  }

  #pump(): void {
    if (this.#pumping) return;
    this.#pumping = true;
    try {
      while (this.#source !== undefined && this.#inFlight < this.#limit) {
        let next: IteratorResult<PacedTask>;
        try {
          next = this.#source.next();
        } catch (err) {
          this.#source = undefined;
          throw err;
        }
        if (next.done) {
          this.#source = undefined;
          break;
        }
        this.#inFlight++;
        const run = this.#run;
        let ended = false;
        next.value(() => {
          if (ended || run !== this.#run) return;
          ended = true;
          this.#inFlight--;
          this.#pump();
        });
      }
    } finally {
      this.#pumping = false;
    }
    if (this.#source === undefined && this.#inFlight === 0 && this.#onIdle) {
      const idle = this.#onIdle;
      this.#onIdle = undefined;
      idle();
    }
  }
}
