/**
 * Re-dialing peers this node dialed (by hand, or automatically from a peers list) after their
 * connection dropped: exponential backoff with jitter, a bounded number of attempts, stopped by
 * `close()` and by an explicit `disconnect()`. The delay is the pure {@link redialDelay}; the
 * {@link Redialer} only keeps the timers. py2p has no re-dial; this sends nothing new on the wire.
 */
import type { Clock, Logger, TimerHandle } from '@p2p/base';
import { addrKey } from './ids';

/** Options of the re-dial policy (`MeshSocketOptions.reconnect`). */
export interface ReconnectOptions {
  /** Attempts after one drop before giving up. @default 10 */
  maxAttempts?: number;
  /** Delay before the first attempt, in milliseconds. @default 250 */
  initialDelay?: number;
  /** Largest delay between attempts, in milliseconds. @default 10000 */
  maxDelay?: number;
  /** Each attempt waits this many times longer than the previous one. @default 2 */
  factor?: number;
  /** Share of each delay drawn at random (0 = none, 1 = anywhere from 0 to the full delay). @default 0.5 */
  jitter?: number;
}

export type ResolvedReconnect = Readonly<Required<ReconnectOptions>>;

export const DEFAULT_RECONNECT: ResolvedReconnect = Object.freeze({
  maxAttempts: 10,
  initialDelay: 250,
  maxDelay: 10_000,
  factor: 2,
  jitter: 0.5,
});

export function resolveReconnect(options: ReconnectOptions | false | undefined): ResolvedReconnect | undefined {
  if (options === false) return undefined;
  return Object.freeze({ ...DEFAULT_RECONNECT, ...Object.fromEntries(Object.entries(options ?? {}).filter(([, v]) => v !== undefined)) });
}

/**
 * Milliseconds to wait before attempt `attempt` (0 for the first), or undefined when the policy
 * gives up. `random` is in [0, 1): the delay is `base * (1 - jitter * random)` with
 * `base = min(maxDelay, initialDelay * factor^attempt)`, so it never exceeds `maxDelay`.
 */
export function redialDelay(attempt: number, policy: ResolvedReconnect, random: number): number | undefined {
  if (!Number.isInteger(attempt) || attempt < 0 || attempt >= policy.maxAttempts) return undefined;
  const base = Math.min(policy.maxDelay, policy.initialDelay * policy.factor ** attempt);
  const jitter = Math.min(1, Math.max(0, policy.jitter));
  return Math.max(0, Math.round(base * (1 - jitter * Math.min(Math.max(random, 0), 1))));
}

export interface RedialerDeps {
  readonly policy: ResolvedReconnect;
  readonly clock: Clock;
  readonly logger: () => Logger;
  /** Largest number of addresses being re-dialed at once. */
  readonly maxPending: number;
  /** True when something is already connected at this address (or the socket closed). */
  connected(host: string, port: number): boolean;
  closed(): boolean;
  dial(host: string, port: number): Promise<unknown>;
  random?: () => number;
}

interface Pending {
  readonly host: string;
  readonly port: number;
  readonly peerId: string;
  attempt: number;
  timer: TimerHandle | undefined;
}

export class Redialer {
  readonly #deps: RedialerDeps;
  readonly #pending = new Map<string, Pending>();

  constructor(deps: RedialerDeps) {
    this.#deps = deps;
  }

  /** Addresses waiting for their next attempt or dialing now. */
  get size(): number {
    return this.#pending.size;
  }

  /** A peer at `addr` (its advertised address) dropped: start re-dialing it. */
  dropped(peerId: string, addr: readonly [string, number]): void {
    const key = addrKey(addr[0], addr[1]);
    if (this.#deps.closed() || this.#pending.has(key) || this.#pending.size >= this.#deps.maxPending) return;
    const entry: Pending = { host: addr[0], port: addr[1], peerId, attempt: 0, timer: undefined };
    this.#pending.set(key, entry);
    this.#schedule(key, entry);
  }

  /** Stops re-dialing the peer with this id or address (an explicit `disconnect()`). */
  cancel(peerId: string | undefined, addr?: readonly [string, number]): void {
    for (const [key, entry] of this.#pending) {
      if (entry.peerId === peerId || (addr && key === addrKey(addr[0], addr[1]))) this.#drop(key, entry);
    }
  }

  /** Stops everything (close). */
  stop(): void {
    for (const [key, entry] of [...this.#pending]) this.#drop(key, entry);
  }

  #drop(key: string, entry: Pending): void {
    if (entry.timer !== undefined) this.#deps.clock.clearTimeout(entry.timer);
    entry.timer = undefined;
    if (this.#pending.get(key) === entry) this.#pending.delete(key);
  }

  #schedule(key: string, entry: Pending): void {
    const { policy, clock } = this.#deps;
    const delay = redialDelay(entry.attempt, policy, (this.#deps.random ?? Math.random)());
    if (delay === undefined) {
      this.#deps.logger().debug(`giving up re-dialing ${key} after ${entry.attempt} attempts`);
      this.#drop(key, entry);
      return;
    }
    entry.timer = clock.setTimeout(() => {
      entry.timer = undefined;
      void this.#attempt(key, entry);
    }, delay);
  }

  async #attempt(key: string, entry: Pending): Promise<void> {
    const deps = this.#deps;
    if (this.#pending.get(key) !== entry) return;
    if (deps.closed() || deps.connected(entry.host, entry.port)) {
      this.#drop(key, entry);
      return;
    }
    entry.attempt++;
    try {
      await deps.dial(entry.host, entry.port);
      deps.logger().debug(`re-dialed ${key} (attempt ${entry.attempt})`);
      this.#drop(key, entry);
    } catch (err) {
      deps.logger().debug(`re-dial ${entry.attempt} of ${key} failed: ${String(err)}`);
      if (this.#pending.get(key) === entry && !deps.closed()) this.#schedule(key, entry);
    }
  }
}
