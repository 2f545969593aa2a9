/**
 * Acting on what peers say about themselves and others: a handshake (decided by handshake.ts)
 * files, replaces or refuses a link (PROTOCOL.md 4.3, 4.5); a peers message starts automatic
 * dials (4.4).
 */
import { BadMessageError, ProtocolMismatchError, type Message } from '@p2p/base';
import type { MeshContext } from './context';
import type { Dialer } from './dialer';
import { SelfConnectError } from './errors';
import { decideHandshake } from './handshake';
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

  constructor(deps: PeerExchangeDeps) {
    this.#deps = deps;
  }

  /** True when `link` lost a conflict (its close is not a disconnect). */
  wasReplaced(link: Link): boolean {
    return this.#replaced.has(link);
  }

  onHandshake = (message: Message, link: Link): boolean => {
    const { ctx, table, dialer } = this.#deps;
    const hs = parseHandshake(message.packets);
    // Other lengths are not mesh handshakes (chord meta has 2 fields, F14).
    if (hs === undefined) return false;
    const other = hs === 'invalid' ? undefined : table.get(hs.id);
    const existing = other !== link ? other : undefined;
    // The protocol of this link's transport: a TCP-and-WebSocket node is on two subnets (listeners.ts).
    const ourProtocol = ctx.faces?.of(link).protocol ?? ctx.protocol;
    const ours = ourProtocol.id;
    const decision = decideHandshake({
      myId: ctx.id,
      myProtocolId: ours,
      handshake: hs,
      link: { peerId: link.peerId, outgoing: link.outgoing, remoteHost: link.remote.host, filed: table.isFiled(link) },
      existing: existing && { outgoing: existing.outgoing, remoteHost: existing.remote.host },
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
    if (decision.forget !== undefined && table.unfile(decision.forget, link)) {
      // The same link now claims another id: forget the old one.
      ctx.emit('peer:disconnect', peerInfo(link), undefined);
    }
    if (decision.kind === 'lose' && existing) {
      ctx.logger.debug(`connection conflict with ${hs.id.slice(0, 8)}: keep-existing`);
      this.#replaced.add(link);
      table.settled(link);
      dialer.wonConflict(existing);
      dialer.settle(link, peerInfo(existing));
      link.close();
      return true;
    }
    if (decision.kind === 'replace' && existing) {
      ctx.logger.debug(`connection conflict with ${hs.id.slice(0, 8)}: keep-incoming`);
      this.#replaced.add(existing);
      dialer.wonConflict(link);
      existing.close();
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
  };

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
