/**
 * The life of every link: accepting (admission limits), adopting (handshake deadline, F5), the
 * first handshake, a link failing or closing (`peer:disconnect`, the conflict re-dial, asking
 * the others for peers), and closing them all, gracefully or abruptly, on shutdown.
 */
import {
  ConnectFailedError,
  HandlerError,
  HandshakeTimeoutError,
  type P2PError,
  type TimerHandle,
  type TransportConnection,
  type WireMessage,
} from '@p2p/base';
import { BatchSlab } from './batch-slab';
import type { MeshContext } from './context';
import type { Dialer } from './dialer';
import { Link, type LinkContext } from './link';
import { carriesData } from './link-traffic';
import type { PeerExchange } from './peer-exchange';
import { peerInfo, type PeerTable } from './peer-table';
import { ASKED_PEERS, PeersRefresh, pickSome } from './peers-refresh';
import type { Sender } from './sender';

/** How long close() lets queued frames flush before destroying connections. */
const CLOSE_GRACE_MS = 1_000;

export interface ConnectionsDeps {
  readonly ctx: MeshContext;
  readonly table: PeerTable;
  readonly sender: Sender;
  dialer(): Dialer;
  exchange(): PeerExchange;
  dispatch(link: Link, wire: WireMessage): void;
  /** Hooks after this node's first handshake on a link. */
  greeted(link: Link): void;
  /** A new link was made for `transport` (before its first handshake). */
  adopted?(link: Link, transport: TransportConnection): void;
  /** Hooks after a link closed and left the table. */
  closed(link: Link, reason: P2PError | undefined): void;
}

export class Connections {
  readonly #deps: ConnectionsDeps;
  readonly #linkCtx: LinkContext;
  /** Asks a few peers for theirs after a peer left, rate-limited (peers-refresh.ts). */
  readonly #refresh: PeersRefresh;
  #allClosed: (() => void) | undefined;
  #cutGrace: (() => void) | undefined;

  constructor(deps: ConnectionsDeps) {
    this.#deps = deps;
    const { ctx, sender } = deps;
    this.#linkCtx = {
      get id() {
        return ctx.id;
      },
      get protocol() {
        return ctx.protocol;
      },
      compression: ctx.compression,
      limits: ctx.limits,
      clock: ctx.clock,
      metrics: ctx.metrics,
      writes: ctx.writes,
      batches: new BatchSlab(),
      get logger() {
        return ctx.logger;
      },
      pack: (flag, type, packets) => {
        const packed = sender.pack(flag, type, packets);
        ctx.metrics.sent(flag, type, 1);
        return packed;
      },
      onMessage: (link, wire) => {
        // Only data keeps a peer from counting as idle for eviction (admission.ts).
        if (carriesData(wire)) deps.table.active(link);
        deps.dispatch(link, wire);
      },
      seen: (bytes, at) => sender.seen(bytes, at),
      onDuplicate: (link, frameLength, compression) => {
        // As a decoded duplicate would: the peer is active, the drop and its bytes are counted.
        deps.table.active(link);
        ctx.metrics.duplicateFrame(frameLength, compression);
      },
      onFailure: (link, error) => this.#onFailure(link, error),
      onClosed: (link, reason) => this.#onClosed(link, reason),
    };
    this.#refresh = new PeersRefresh(ctx.clock, () => {
      if (ctx.closed) return;
      for (const link of pickSome([...deps.table.routed()], ASKED_PEERS)) if (!link.closed) sender.requestPeers(link);
    });
  }

  accept(transport: TransportConnection): void {
    const { ctx, table } = this.#deps;
    if (ctx.closed) {
      transport.destroy();
      return;
    }
    const refusal = table.admit('incoming', transport.remote.host);
    if (refusal) {
      transport.destroy();
      ctx.report(refusal);
      return;
    }
    const link = this.adopt(transport, false);
    ctx.logger.debug(`accepted ${transport.remote.host}:${transport.remote.port}`);
    // PROTOCOL.md 4.2: the accepting side speaks first, without waiting.
    this.greet(link);
  }

  adopt(transport: TransportConnection, outgoing: boolean): Link {
    const { limits } = this.#deps.ctx;
    const link = new Link(this.#linkCtx, transport, outgoing);
    this.#deps.ctx.metrics.opened(outgoing);
    this.#deps.adopted?.(link, transport);
    this.#deps.table.add(link);
    link.startHandshakeTimer(() => {
      link.fail(new HandshakeTimeoutError(`no handshake within ${limits.handshakeTimeout} ms`, { details: { remote: link.remote } }));
    });
    return link;
  }

  /** This node's first handshake on a new link, then the hooks that follow it. */
  greet(link: Link): void {
    this.#deps.greeted(link);
  }

  /**
   * Closes every link: gracefully (flush, then destroy what is left after a grace period) or,
   * when `abrupt` (or {@link cutShort} is called meanwhile), destroyed at once. Resolves when
   * every link is gone.
   */
  async closeAll(abrupt: boolean): Promise<void> {
    const { ctx, table } = this.#deps;
    this.#refresh.stop();
    const allClosed = new Promise<void>((resolve) => (this.#allClosed = resolve));
    if (table.linkCount === 0) this.#allClosed?.();
    if (!abrupt) {
      for (const link of table.links()) link.close();
      let grace: TimerHandle | undefined;
      const cut = new Promise<void>((resolve) => (this.#cutGrace = resolve));
      await Promise.race([allClosed, cut, new Promise<void>((resolve) => (grace = ctx.clock.setTimeout(resolve, CLOSE_GRACE_MS)))]);
      ctx.clock.clearTimeout(grace);
      this.#cutGrace = undefined;
    }
    for (const link of table.links()) link.destroy();
    await allClosed;
  }

  /** Ends a graceful {@link closeAll}'s grace period now. */
  cutShort(): void {
    this.#cutGrace?.();
  }

  #onFailure(link: Link, error: P2PError): void {
    this.#deps.ctx.logger.debug(`dropping ${link}: ${error.code} ${error.message}`);
    this.#deps.dialer().settle(link, error);
    this.#deps.ctx.report(error);
  }

  #onClosed(link: Link, reason: P2PError | undefined): void {
    const { ctx, table } = this.#deps;
    const dialer = this.#deps.dialer();
    table.remove(link);
    // A dial waiting for this link learns why it closed (the error, with its stack, is built only then).
    if (dialer.waitsFor(link)) dialer.settle(link, reason ?? closedEarly(link));
    const id = link.peerId;
    const wasRouted = id !== undefined && table.unfile(id, link);
    ctx.metrics.closed(reason, id !== undefined);
    try {
      this.#deps.closed(link, reason);
    } catch (err) {
      ctx.report(new HandlerError('a connection-closed hook threw', { cause: err }));
    }
    if (wasRouted && !this.#deps.exchange().wasReplaced(link)) {
      ctx.logger.debug(`peer ${id.slice(0, 8)} disconnected${reason ? `: ${reason.code}` : ''}`);
      ctx.emit('peer:disconnect', peerInfo(link), reason);
      if (!ctx.closed && !link.closedLocally) {
        dialer.redialAfterConflict(link);
        // As py2p: after losing a peer, ask others for theirs (a few, at most once a second).
        if (table.size > 0) this.#refresh.lost();
      }
    }
    if (table.linkCount === 0) this.#allClosed?.();
  }
}

/** A link closed by the peer before its handshake: most often another encryption (an SSL node drops a Plaintext dial). */
function closedEarly(link: Link): ConnectFailedError {
  const { host, port } = link.remote;
  return new ConnectFailedError(
    `the peer at ${host}:${port} closed the connection before its handshake: it may use another encryption (an SSL node closes a Plaintext dial) or be refusing connections; use the same encryption on both`,
    { details: { remote: link.remote } },
  );
}
