/**
 * Liveness between @p2p nodes (PROTOCOL.md 4.10, F5): a filed peer that sent nothing for
 * `interval` ms gets `whisper / ping []`; @p2p answers `whisper / pong []`. py2p and js2p ignore
 * both, so only a peer that has shown it speaks ping/pong (it answered or sent one) is dropped,
 * with `PEER_UNRESPONSIVE`, once nothing at all arrived from it for `timeout` ms: a half-open or
 * paused @p2p peer is gone within `timeout + interval`. Silent py2p peers are kept, as before.
 */
import { MainFlags, SubFlags, type Clock, type TimerHandle } from '@p2p/base';
import { PeerUnresponsiveError } from './errors';
import type { Link } from './link';

/** Options of the ping/pong check (`MeshSocketOptions.liveness`). */
export interface LivenessOptions {
  /** Milliseconds without bytes from a peer before it is pinged; also how often peers are checked. @default 5000 */
  interval?: number;
  /** Milliseconds without bytes from a ping-answering peer before it is dropped. @default 15000 */
  timeout?: number;
}

export type ResolvedLiveness = Readonly<Required<LivenessOptions>>;

export const DEFAULT_LIVENESS: ResolvedLiveness = Object.freeze({ interval: 5_000, timeout: 15_000 });

export function resolveLiveness(options: LivenessOptions | false | undefined): ResolvedLiveness | undefined {
  if (options === false) return undefined;
  return Object.freeze({
    interval: options?.interval ?? DEFAULT_LIVENESS.interval,
    timeout: options?.timeout ?? DEFAULT_LIVENESS.timeout,
  });
}

/** What to do with one peer at a check (pure). */
export function livenessAction(idleMs: number, answersPings: boolean, policy: ResolvedLiveness): 'drop' | 'ping' | 'none' {
  if (answersPings && idleMs >= policy.timeout) return 'drop';
  return idleMs >= policy.interval ? 'ping' : 'none';
}

export interface LivenessDeps {
  readonly policy: ResolvedLiveness;
  readonly clock: Clock;
  routed(): Iterable<Link>;
  send(link: Link, type: number): void;
}

export class Liveness {
  readonly #deps: LivenessDeps;
  /** Links whose peer sent a ping or a pong: it speaks the TS extension. */
  readonly #answering = new WeakSet<Link>();
  #timer: TimerHandle | undefined;
  #stopped = false;

  constructor(deps: LivenessDeps) {
    this.#deps = deps;
  }

  start(): void {
    if (this.#stopped || this.#timer !== undefined) return;
    this.#timer = this.#deps.clock.setTimeout(() => {
      this.#timer = undefined;
      this.#check();
      this.start();
    }, this.#deps.policy.interval);
  }

  stop(): void {
    this.#stopped = true;
    if (this.#timer !== undefined) this.#deps.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  onPing = (_message: unknown, link: Link): boolean => {
    this.#answering.add(link);
    if (!link.closed) this.#deps.send(link, SubFlags.pong);
    return true;
  };

  onPong = (_message: unknown, link: Link): boolean => {
    this.#answering.add(link);
    return true;
  };

  #check(): void {
    const { clock, policy } = this.#deps;
    const now = clock.now();
    for (const link of [...this.#deps.routed()]) {
      if (link.closed) continue;
      const idle = now - link.lastReceivedAt;
      const action = livenessAction(idle, this.#answering.has(link), policy);
      if (action === 'drop') {
        link.fail(
          new PeerUnresponsiveError(`peer sent nothing for ${idle} ms and stopped answering pings; dropped it (it may be paused, or the network path is gone)`, {
            details: { peer: link.peerId, remote: link.remote, idleMs: idle },
          }),
        );
      } else if (action === 'ping') {
        this.#deps.send(link, SubFlags.ping);
      }
    }
  }
}

/** The main flag pings and pongs travel with. */
export const LIVENESS_FLAG = MainFlags.whisper;
