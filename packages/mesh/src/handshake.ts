/**
 * What to do with a received mesh handshake (PROTOCOL.md 4.3, 4.5): a pure decision over the
 * facts, acted on by peer-exchange.ts. Like conflict.ts and waterfall.ts, no I/O.
 */
import { resolveConflict, type ConflictSide } from './conflict';
import type { Handshake } from './payloads';

export interface HandshakeFacts {
  readonly myId: string;
  readonly myProtocolId: string;
  /** The parsed handshake (`invalid`: a 5-field handshake with bad fields). */
  readonly handshake: Handshake | 'invalid';
  /** The link it arrived on. */
  readonly link: ConflictSide & { readonly peerId: string | undefined; readonly filed: boolean };
  /** Another link already filed under the handshake's id, if any. */
  readonly existing: ConflictSide | undefined;
}

export type HandshakeDecision =
  /** Bad fields: the sender is to blame (dispatcher's rule). */
  | { readonly kind: 'invalid' }
  /** 4.3 step 1 (F4): another network; close, nothing on the wire. */
  | { readonly kind: 'mismatch'; readonly theirs: string }
  /** The peer is this node. */
  | { readonly kind: 'self' }
  /** F7: the existing link wins; close only this one, never file or send on it. */
  | { readonly kind: 'lose'; readonly forget: string | undefined }
  /** The existing link loses: close it (no disconnect reported) and file this one. */
  | { readonly kind: 'replace'; readonly forget: string | undefined }
  /** File this link; `isNew` when the peer was not filed on it before (a repeated handshake is not). */
  | { readonly kind: 'accept'; readonly forget: string | undefined; readonly isNew: boolean };

/**
 * Decides on a handshake. `forget` is an id the same link was filed under and no longer
 * claims: the caller unfiles it and reports that peer's disconnect first.
 */
export function decideHandshake(facts: HandshakeFacts): HandshakeDecision {
  const hs = facts.handshake;
  if (hs === 'invalid') return { kind: 'invalid' };
  if (hs.protocolId !== facts.myProtocolId) return { kind: 'mismatch', theirs: hs.protocolId };
  if (hs.id === facts.myId) return { kind: 'self' };
  const { link, existing } = facts;
  const forget = link.peerId !== undefined && link.peerId !== hs.id && link.filed ? link.peerId : undefined;
  if (existing) {
    const verdict = resolveConflict(facts.myId, hs.id, existing, link);
    return verdict === 'keep-existing' ? { kind: 'lose', forget } : { kind: 'replace', forget };
  }
  return { kind: 'accept', forget, isNew: link.peerId !== hs.id };
}
