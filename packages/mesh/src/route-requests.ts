/**
 * Pending reply routes (PROTOCOL.md 4.9, F11): `Message.reply()` to a node this one is not
 * connected to waits here until a `response` names the target's address, bounded in number
 * (F3) and in time.
 */
import {
  LimitExceededError,
  base58EncodeInt,
  bytesToBigInt,
  randomSalt,
  sha384,
  utf8Encode,
  type Clock,
  type P2PError,
  type TimerHandle,
} from '@p2p/base';
import { ReplyRouteTimeoutError } from './errors';

export interface PendingRoute {
  readonly requestId: string;
  readonly target: string;
  readonly packets: readonly unknown[];
  /** True once a response was acted on; later responses are ignored. */
  claimed: boolean;
}

interface Entry extends PendingRoute {
  resolve: () => void;
  reject: (error: P2PError) => void;
  timer: TimerHandle;
}

export class RouteRequests {
  readonly #entries = new Map<string, Entry>();
  readonly #max: number;
  readonly #clock: Clock;
  #counter = 0;

  constructor(max: number, clock: Clock) {
    this.#max = max;
    this.#clock = clock;
  }

  get size(): number {
    return this.#entries.size;
  }

  /** A fresh request id: base58 text of a SHA-384, as py2p intends (any unique text works). */
  newRequestId(myId: string, nowSeconds: number): string {
    const seed = `${myId}${base58EncodeInt(nowSeconds)}${this.#counter++}${randomSalt()}`;
    return base58EncodeInt(bytesToBigInt(sha384(utf8Encode(seed))));
  }

  /**
   * Registers a route; the promise settles through {@link settle} or rejects with
   * `REPLY_ROUTE_TIMEOUT` after `timeoutMs`. Throws `LIMIT_EXCEEDED` when the table is full.
   */
  add(requestId: string, target: string, packets: readonly unknown[], timeoutMs: number): Promise<void> {
    if (this.#entries.size >= this.#max) {
      throw new LimitExceededError(`too many replies waiting for a route (${this.#max})`, {
        details: { limit: this.#max },
      });
    }
    return new Promise<void>((resolve, reject) => {
      const timer = this.#clock.setTimeout(() => {
        this.settle(
          requestId,
          new ReplyRouteTimeoutError(`no route to ${target} within ${timeoutMs} ms`, { details: { target, timeoutMs } }),
        );
      }, timeoutMs);
      this.#entries.set(requestId, { requestId, target, packets, claimed: false, resolve, reject, timer });
    });
  }

  /** The unclaimed route for `requestId`, now marked claimed; undefined otherwise. */
  claim(requestId: string): PendingRoute | undefined {
    const entry = this.#entries.get(requestId);
    if (!entry || entry.claimed) return undefined;
    entry.claimed = true;
    return entry;
  }

  /** Resolves (no error) or rejects the route and forgets it. */
  settle(requestId: string, error?: P2PError): void {
    const entry = this.#entries.get(requestId);
    if (!entry) return;
    this.#entries.delete(requestId);
    this.#clock.clearTimeout(entry.timer);
    if (error) entry.reject(error);
    else entry.resolve();
  }

  rejectAll(error: P2PError): void {
    for (const id of [...this.#entries.keys()]) this.settle(id, error);
  }
}
