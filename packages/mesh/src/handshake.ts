/**
 * What to do with a received mesh handshake (PROTOCOL.md 4.3, 4.5, F1, F7): a pure decision over
 * the facts, acted on by peer-exchange.ts. Like conflict.ts and waterfall.ts, no I/O.
 *
 * Identity: the first live link keeps its id. Another link claiming a filed id is only the same
 * peer in a simultaneous connect (both nodes dialed each other at once: opposite directions, the
 * same host and advertised address, both links opened and the new handshake received within
 * {@link SIMULTANEOUS_CONNECT_MS}); that race is settled by the 4.5 rule. Any other claim is refused while the filed link is alive: it
 * sent bytes within {@link IDENTITY_PROBE_MS}, or answers the probe (a ping, which @p2p answers,
 * then our handshake again, which py2p answers with a peers list). Only a filed link that stays
 * silent through the whole probe is taken for dead and replaced. A link never changes its id.
 */
import { resolveConflict, type ConflictSide } from './conflict';
import type { Handshake } from './payloads';

/** How long a filed link must stay silent, probed, before another link may take its id. */
export const IDENTITY_PROBE_MS = 2_000;

/** How close in time two crossed links of one peer must open (and the second handshake follow) to count as a simultaneous connect. */
export const SIMULTANEOUS_CONNECT_MS = 1_000;

export interface HandshakeFacts {
  readonly myId: string;
  readonly myProtocolId: string;
  /** The parsed handshake (`invalid`: a 5-field handshake with bad fields). */
  readonly handshake: Handshake | 'invalid';
  /** Milliseconds on the node's clock. */
  readonly now: number;
  /** The link it arrived on; `openedAt` when this node greeted it. */
  readonly link: ConflictSide & { readonly peerId: string | undefined; readonly filed: boolean; readonly openedAt: number | undefined };
  /** Another link already filed under the handshake's id, if any. */
  readonly existing: ExistingLink | undefined;
  /** When a probe of the existing link started, once its time is over. */
  readonly probedSince?: number | undefined;
}

export interface ExistingLink extends ConflictSide {
  /** The address its peer advertised. */
  readonly addr: readonly [string, number] | undefined;
  /** When this node greeted it. */
  readonly openedAt: number | undefined;
  /** When bytes last arrived on it. */
  readonly lastReceivedAt: number;
}

export type HandshakeDecision =
  /** Bad fields: the sender is to blame (dispatcher's rule). */
  | { readonly kind: 'invalid' }
  /** 4.3 step 1 (F4): another network; close, nothing on the wire. */
  | { readonly kind: 'mismatch'; readonly theirs: string }
  /** The peer is this node. */
  | { readonly kind: 'self' }
  /** The link was filed under another id and now claims this one: drop it (`ID_CHANGED`). */
  | { readonly kind: 'renamed'; readonly was: string }
  /** F7: the existing link wins a simultaneous connect; close only this one, never file or send on it. */
  | { readonly kind: 'lose' }
  /** F1: the id belongs to a live link; refuse this one (`ID_IN_USE`). */
  | { readonly kind: 'refuse' }
  /** The existing link has been silent: probe it, then decide again with `probedSince`. */
  | { readonly kind: 'probe' }
  /** The existing link loses (a simultaneous connect, or it proved dead): close it (no disconnect reported) and file this one. */
  | { readonly kind: 'replace' }
  /** File this link; `isNew` when the peer was not filed on it before (a repeated handshake is not). */
  | { readonly kind: 'accept'; readonly isNew: boolean };

export function decideHandshake(facts: HandshakeFacts): HandshakeDecision {
  const hs = facts.handshake;
  if (hs === 'invalid') return { kind: 'invalid' };
  if (hs.protocolId !== facts.myProtocolId) return { kind: 'mismatch', theirs: hs.protocolId };
  if (hs.id === facts.myId) return { kind: 'self' };
  const { link, existing } = facts;
  if (link.filed && link.peerId !== undefined && link.peerId !== hs.id) return { kind: 'renamed', was: link.peerId };
  if (!existing) return { kind: 'accept', isNew: link.peerId !== hs.id };
  if (isSimultaneousConnect(facts, existing, hs)) {
    return resolveConflict(facts.myId, hs.id, existing, link) === 'keep-existing' ? { kind: 'lose' } : { kind: 'replace' };
  }
  // Probed: anything that arrived since the probe started proves the link alive.
  if (facts.probedSince !== undefined) return existing.lastReceivedAt >= facts.probedSince ? { kind: 'refuse' } : { kind: 'replace' };
  return facts.now - existing.lastReceivedAt < IDENTITY_PROBE_MS ? { kind: 'refuse' } : { kind: 'probe' };
}

/**
 * Both nodes dialed each other (4.5): the links run opposite ways, come from the same host with
 * the same advertised address, opened close together, and the new one's handshake came at once
 * (a dialer sends it on connect). A claimant would have to race this node's own dial.
 */
function isSimultaneousConnect(facts: HandshakeFacts, existing: ExistingLink, hs: Handshake): boolean {
  const { link } = facts;
  if (existing.outgoing === link.outgoing || existing.remoteHost !== link.remoteHost) return false;
  if (!existing.addr || existing.addr[0] !== hs.addr[0] || existing.addr[1] !== hs.addr[1]) return false;
  if (link.openedAt === undefined || existing.openedAt === undefined) return false;
  return link.openedAt <= existing.openedAt + SIMULTANEOUS_CONNECT_MS && facts.now - link.openedAt <= SIMULTANEOUS_CONNECT_MS;
}
