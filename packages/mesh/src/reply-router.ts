/**
 * Reply routing (PROTOCOL.md 4.9, F11): `Message.reply()` whispers to a neighbour directly; to
 * any other node it broadcasts a route request and waits, bounded in number (F3) and in time,
 * until a `response` names the target's address, then connects and whispers. This node also
 * answers other nodes' route and peer-table requests.
 */
import {
  BadMessageError,
  ConnectFailedError,
  LimitExceededError,
  MainFlags,
  SubFlags,
  asP2PError,
  base58EncodeInt,
  bytesToBigInt,
  fieldText,
  randomSalt,
  packPacket,
  sha384,
  utf8Encode,
  type Clock,
  type Message,
  type P2PError,
  type TimerHandle,
} from '@p2p/base';
import type { MeshContext } from './context';
import type { Dialer } from './dialer';
import { ReplyRouteTimeoutError } from './errors';
import { idBin, parseAddr } from './ids';
import type { Link } from './link';
import { isWildcard } from './payloads';
import type { PeerTable } from './peer-table';
import type { Sender } from './sender';

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

/** The pending routes. */
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

export interface ReplyRouterDeps {
  readonly ctx: MeshContext;
  readonly table: PeerTable;
  readonly sender: Sender;
  readonly dialer: Dialer;
}

export class ReplyRouter {
  readonly #deps: ReplyRouterDeps;
  readonly #routes: RouteRequests;

  constructor(deps: ReplyRouterDeps) {
    this.#deps = deps;
    this.#routes = new RouteRequests(deps.ctx.limits.maxPendingRequests, deps.ctx.clock);
  }

  /** Whispers `packets` to `target`, routing through the network when it is not a neighbour. */
  async reply(target: string, packets: readonly unknown[]): Promise<void> {
    const { ctx, table, sender } = this.#deps;
    const link = table.get(target);
    if (link) {
      sender.sendTo(link, MainFlags.whisper, SubFlags.whisper, packets);
      return;
    }
    // Fail on unencodable values now, not after a route was found.
    packPacket({ type: MainFlags.whisper, sender: ctx.id, time: 0, payload: [SubFlags.whisper, ...packets] });
    const requestId = this.#routes.newRequestId(ctx.id, ctx.nowSeconds());
    const done = this.#routes.add(requestId, target, [...packets], ctx.limits.replyRouteTimeout);
    ctx.logger.debug(`routing a reply to ${target.slice(0, 8)} (request ${requestId.slice(0, 8)})`);
    sender.sendToAll(MainFlags.broadcast, SubFlags.request, [requestId, idBin(target)]);
    return done;
  }

  /** Rejects every waiting reply with `error`. */
  stop(error: P2PError): void {
    this.#routes.rejectAll(error);
  }

  /** `request`: a peer-table request (`*`, F13) or a route request (4.9 step 2). */
  onRequest = (message: Message, link: Link): boolean => {
    const { ctx, table, sender } = this.#deps;
    const packets = message.packets;
    if (packets.length === 2 && isWildcard(packets[1])) {
      sender.peers(link);
      return true;
    }
    // Answer if the target is a neighbour, on the link the request came by.
    if (packets.length >= 3) {
      const target = fieldText(packets[2]);
      const known = target === undefined ? undefined : table.get(target);
      // Only an address the asker can dial (listeners.ts, `offerable`).
      if (known?.peerAddr && known !== link && (!ctx.faces || ctx.faces.offers(link, known))) {
        const [host, port] = known.peerAddr;
        sender.sendTo(link, MainFlags.broadcast, SubFlags.response, [packets[1], [[host, port], packets[2]]]);
      }
    }
    return true;
  };

  /** `response`: the address of a node a reply waits for (4.9 step 3). */
  onResponse = (message: Message): boolean => {
    const packets = message.packets;
    const requestId = fieldText(packets[1]);
    const route = requestId === undefined ? undefined : this.#routes.claim(requestId);
    if (!route || requestId === undefined) return true;
    const body = packets[2];
    const addr = Array.isArray(body) ? parseAddr(body[0]) : undefined;
    if (!addr) {
      this.#routes.settle(requestId, new BadMessageError('malformed route response', { details: { sender: message.sender } }));
      return true;
    }
    // Connect, then whisper the stored reply right after the handshake.
    this.#deps.dialer.connect(addr[0], addr[1], { id: route.target }).then(
      () => {
        const link = this.#deps.table.get(route.target);
        if (!link) {
          this.#routes.settle(requestId, new ConnectFailedError(`${addr.join(':')} is not ${route.target}`));
          return;
        }
        try {
          this.#deps.sender.sendTo(link, MainFlags.whisper, SubFlags.whisper, route.packets);
          this.#routes.settle(requestId);
        } catch (err) {
          this.#routes.settle(requestId, asP2PError(err));
        }
      },
      (err: unknown) => this.#routes.settle(requestId, asP2PError(err)),
    );
    return true;
  };
}
