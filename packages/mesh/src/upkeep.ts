/**
 * Keeping peers once connected: re-dialing the ones this node dialed after they drop
 * (reconnect.ts) and the ping/pong liveness check between @p2p nodes (liveness.ts), wired to
 * the peer table, the dialer and the sender. Both stop on close.
 */
import { MainFlags, SubFlags } from '@p2p/base';
import type { MeshContext } from './context';
import type { Dialer } from './dialer';
import type { Dispatcher } from './dispatcher';
import type { Link } from './link';
import { Liveness, resolveLiveness, type LivenessOptions } from './liveness';
import type { PeerTable } from './peer-table';
import { Redialer, resolveReconnect, type ReconnectOptions } from './reconnect';
import type { Sender } from './sender';

export interface UpkeepDeps {
  readonly ctx: MeshContext;
  readonly table: PeerTable;
  readonly dialer: Dialer;
  readonly sender: Sender;
  readonly dispatcher: Dispatcher;
  readonly reconnect?: ReconnectOptions | false;
  readonly liveness?: LivenessOptions | false;
  /** True when `link` was closed because another link to the same peer won (not a drop). */
  replaced(link: Link): boolean;
}

export class Upkeep {
  readonly #deps: UpkeepDeps;
  readonly #redialer: Redialer | undefined;
  readonly #liveness: Liveness | undefined;

  constructor(deps: UpkeepDeps) {
    this.#deps = deps;
    const { ctx, table, dialer, sender, dispatcher } = deps;
    const policy = resolveReconnect(deps.reconnect);
    this.#redialer =
      policy &&
      new Redialer({
        policy,
        clock: ctx.clock,
        logger: () => ctx.logger,
        maxPending: ctx.limits.maxConnections,
        closed: () => ctx.closed,
        connected: (host, port) => ctx.closed || table.byAddr(host, port) !== undefined,
        dial: (host, port) => dialer.connect(host, port),
      });
    const live = resolveLiveness(deps.liveness);
    this.#liveness =
      live &&
      new Liveness({
        policy: live,
        clock: ctx.clock,
        routed: () => table.routed(),
        send: (link, type) => {
          sender.sendTo(link, MainFlags.whisper, type, []);
        },
      });
    // Claimed whether or not liveness is on: a ping always gets its pong (PROTOCOL.md 4.10).
    dispatcher.on(SubFlags.ping, this.#liveness?.onPing ?? ((_m, link) => (sender.sendTo(link, MainFlags.whisper, SubFlags.pong, []), true)));
    dispatcher.on(SubFlags.pong, this.#liveness?.onPong ?? (() => true));
  }

  /** The socket is listening: start the liveness check. */
  start(): void {
    this.#liveness?.start();
  }

  /** A link closed (after it left the table): re-dial it if this node dialed it and did not close it. */
  closed(link: Link): void {
    const { ctx } = this.#deps;
    if (ctx.closed || !link.outgoing || link.closedLocally || link.peerId === undefined || !link.peerAddr) return;
    if (this.#deps.replaced(link)) return;
    this.#redialer?.dropped(link.peerId, link.peerAddr);
  }

  /** An explicit `disconnect()`: no re-dial for this peer. */
  forget(peerId: string | undefined, addr: readonly [string, number] | undefined): void {
    this.#redialer?.cancel(peerId, addr);
  }

  stop(): void {
    this.#redialer?.stop();
    this.#liveness?.stop();
  }
}
