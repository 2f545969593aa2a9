/**
 * Acting on what peers say about themselves and others: a handshake (decided by handshake.ts)
 * files, replaces, probes for or refuses a link (PROTOCOL.md 4.3, 4.5, F1); a peers message
 * starts automatic dials (4.4). In an authenticated subnet a handshake with our protocol id
 * waits in auth-session.ts until the peer has proven its key.
 */
import { BadMessageError, MainFlags, ProtocolMismatchError, SubFlags, type Message, type TimerHandle, type TransportConnection, type WireMessage } from '@p2p/base';
import { AuthSessions } from './auth-session';
import type { MeshContext } from './context';
import type { Dialer } from './dialer';
import { IdChangedError, IdInUseError, SelfConnectError } from './errors';
import { IDENTITY_PROBE_MS, decideHandshake } from './handshake';
import type { Link } from './link';
import { parseHandshake, parsePeers } from './payloads';
import { mismatchMessage } from './protocol-mismatch';
import { peerInfo, type PeerTable } from './peer-table';
import type { Sender } from './sender';

export interface PeerExchangeDeps {
  readonly ctx: MeshContext;
  readonly table: PeerTable;
  readonly dialer: Dialer;
  readonly sender: Sender;
  /** A valid handshake was filed and our peers reply sent. */
  peerHandshake(link: Link): void;
  shouldAutoConnect(id: string, addr: readonly [string, number]): boolean;
}

export class PeerExchange {
  readonly #deps: PeerExchangeDeps;
  /** Links closed because another one to the same peer won: no disconnect is reported. */
  readonly #replaced = new WeakSet<Link>();
  /** When this node greeted a link (sent its first handshake on it). */
  readonly #openedAt = new WeakMap<Link, number>();
  /** Filed links being probed because another link claims their id, with the probe's timers. */
  readonly #probes = new Map<Link, TimerHandle[]>();
  /** The key proofs of an authenticated subnet; undefined elsewhere. */
  readonly #auth: AuthSessions | undefined;

  constructor(deps: PeerExchangeDeps) {
    this.#deps = deps;
    const { ctx, sender } = deps;
    const identity = ctx.identity;
    if (identity) this.#auth = new AuthSessions({ ctx, identity, sender, proven: (message, link) => this.#handshake(message, link, undefined) });
  }

  /** A new link over `transport` (the TLS key binding of an authenticated subnet). */
  adopted(link: Link, transport: TransportConnection): void {
    this.#auth?.adopted(link, transport);
  }

  /** Handler of the hello and proof sub-flag (auth-handshake.ts); registered in authenticated subnets. */
  onAuth = (message: Message, link: Link, wire: WireMessage): boolean => this.#auth?.onAuth(message, link, wire) ?? false;

  /** True when `link` lost a conflict (its close is not a disconnect). */
  wasReplaced(link: Link): boolean {
    return this.#replaced.has(link);
  }

  /** This node sent its first handshake on `link` (the link is open). */
  opened(link: Link): void {
    this.#openedAt.set(link, this.#deps.ctx.clock.now());
    this.#auth?.opened(link);
  }

  /** Stops every probe (the socket is closing). */
  stop(): void {
    for (const timers of this.#probes.values()) for (const t of timers) this.#deps.ctx.clock.clearTimeout(t);
    this.#probes.clear();
  }

  onHandshake = (message: Message, link: Link): boolean => this.#handshake(message, link, undefined);

  #handshake(message: Message, link: Link, probedSince: number | undefined): boolean {
    const { ctx, table, dialer } = this.#deps;
    const hs = parseHandshake(message.packets);
    // Other lengths are not mesh handshakes (chord meta has 2 fields, F14).
    if (hs === undefined) return false;
    // The protocol of this link's transport: a TCP-and-WebSocket node is on two subnets (listeners.ts).
    const ourProtocol = ctx.faces?.of(link).protocol ?? ctx.protocol;
    const ours = ourProtocol.id;
    // Authenticated subnets: nothing is decided on a claim until its key is proven.
    if (this.#auth && hs !== 'invalid' && hs.protocolId === ours && this.#auth.defer(message, link, hs.id)) return true;
    const other = hs === 'invalid' ? undefined : table.get(hs.id);
    const existing = other !== link ? other : undefined;
    const decision = decideHandshake({
      myId: ctx.id,
      myProtocolId: ours,
      handshake: hs,
      now: ctx.clock.now(),
      link: { peerId: link.peerId, outgoing: link.outgoing, remoteHost: link.remote.host, filed: table.isFiled(link), openedAt: this.#openedAt.get(link) },
      existing: existing && {
        outgoing: existing.outgoing,
        remoteHost: existing.remote.host,
        addr: existing.peerAddr,
        openedAt: this.#openedAt.get(existing),
        lastReceivedAt: existing.lastReceivedAt,
      },
      probedSince,
    });
    if (decision.kind === 'invalid' || hs === 'invalid') {
      throw new BadMessageError('malformed handshake', { details: { remote: link.remote } });
    }
    if (decision.kind === 'mismatch') {
      link.fail(
        new ProtocolMismatchError(mismatchMessage(ourProtocol, ours, decision.theirs, link.remote), {
          details: { peer: hs.id, theirs: decision.theirs, ours, remote: link.remote },
        }),
      );
      return true;
    }
    if (decision.kind === 'self') {
      const err = new SelfConnectError('connected to this node itself', { details: { remote: link.remote } });
      dialer.settle(link, err);
      link.destroy(err);
      return true;
    }
    if (decision.kind === 'renamed') {
      link.fail(
        new IdChangedError(`a peer filed as ${decision.was.slice(0, 12)}… handshook again as ${hs.id.slice(0, 12)}…; a connection cannot change its id, dropped it`, {
          details: { peer: decision.was, claimed: hs.id, remote: link.remote },
        }),
      );
      return true;
    }
    if (decision.kind === 'probe' && existing) {
      if (this.#probes.has(existing)) return this.#refuse(link, existing, hs.id, hs.compression);
      this.#probe(existing, (since) => {
        if (!link.closed && !ctx.closed) this.#handshake(message, link, since);
      });
      return true;
    }
    if (decision.kind === 'refuse' && existing) return this.#refuse(link, existing, hs.id, hs.compression);
    if (decision.kind === 'lose' && existing) {
      ctx.logger.debug(`connection conflict with ${hs.id.slice(0, 8)}: keep-existing`);
      // The peer has our handshake and compresses what it still writes here (a reply, say).
      link.setCompression(hs.compression);
      this.#replaced.add(link);
      table.settled(link);
      dialer.wonConflict(existing);
      dialer.settle(link, peerInfo(existing));
      link.close();
      return true;
    }
    if (decision.kind === 'replace' && existing) {
      ctx.logger.debug(`connection conflict with ${hs.id.slice(0, 8)}: keep-incoming${probedSince !== undefined ? ' (the filed link stayed silent through a probe)' : ''}`);
      this.#replaced.add(existing);
      dialer.wonConflict(link);
      if (probedSince !== undefined) existing.destroy();
      else existing.close();
    }
    const isNewPeer = decision.kind === 'accept' && decision.isNew;
    link.setPeer(hs.id, hs.addr, hs.compression);
    const wasEmpty = table.size === 0;
    table.file(hs.id, link);
    // 4.3 step 5: exactly one peers message per handshake received.
    this.#deps.sender.peers(link);
    this.#deps.peerHandshake(link);
    const info = peerInfo(link);
    dialer.settle(link, info);
    if (isNewPeer) ctx.logger.debug(`peer ${hs.id.slice(0, 8)} connected (${link.outgoing ? 'outgoing' : 'incoming'})`);
    if (wasEmpty) ctx.emit('connect');
    if (isNewPeer) ctx.emit('peer:connect', info);
    return true;
  }

  /**
   * F1: `link` claims the id of the live link `existing`. An outgoing link reached what we dialed:
   * the connect resolves to the filed peer and the spare link closes. An incoming one is dropped
   * with `ID_IN_USE`.
   */
  #refuse(link: Link, existing: Link, id: string, compression: readonly number[]): boolean {
    const { ctx, table, dialer } = this.#deps;
    if (link.outgoing) {
      // As a conflict's loser: what the peer still writes here is compressed as it said.
      link.setCompression(compression);
      this.#replaced.add(link);
      table.settled(link);
      dialer.settle(link, peerInfo(existing));
      link.close();
      return true;
    }
    const err = new IdInUseError(`a connection from ${link.remote.host}:${link.remote.port} claimed the id of connected peer ${id.slice(0, 12)}…, whose link is alive; dropped the claimant`, {
      details: { peer: id, remote: link.remote, filedRemote: existing.remote },
    });
    dialer.settle(link, err);
    link.fail(err);
    return true;
  }

  /**
   * Asks `existing` whether it is alive: a ping now (@p2p always answers), our handshake again
   * halfway (py2p answers every handshake with a peers list), and `done` once the probe is over.
   * Whatever arrives on the link meanwhile moves its last-received time, which decideHandshake reads.
   */
  #probe(existing: Link, done: (since: number) => void): void {
    const { ctx, sender } = this.#deps;
    const since = ctx.clock.now();
    const send = (fn: () => void) => {
      if (existing.closed) return;
      try {
        fn();
      } catch {
        // A link that cannot be written to is dead: the probe's end finds it silent or closed.
      }
    };
    send(() => sender.sendTo(existing, MainFlags.whisper, SubFlags.ping, []));
    const halfway = ctx.clock.setTimeout(() => {
      if (existing.lastReceivedAt < since) send(() => sender.handshake(existing));
    }, IDENTITY_PROBE_MS / 2);
    const end = ctx.clock.setTimeout(() => {
      this.#probes.delete(existing);
      done(since);
    }, IDENTITY_PROBE_MS);
    this.#probes.set(existing, [halfway, end]);
  }

  onPeers = (message: Message, link: Link): boolean => {
    const { ctx } = this.#deps;
    const entries = parsePeers(message.packets, ctx.limits.maxPeersPerList);
    if (!entries) throw new BadMessageError('malformed peers message', { details: { sender: message.sender } });
    // Addresses heard over another transport are not dialable with ours (listeners.ts).
    if (ctx.faces && !ctx.faces.dialsFrom(link)) return true;
    for (const entry of entries) this.#deps.dialer.autoDial(entry, (id, addr) => this.#deps.shouldAutoConnect(id, addr));
    return true;
  };
}
