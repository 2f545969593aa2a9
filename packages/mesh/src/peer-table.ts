/**
 * Who this node is connected to (py2p's `routing_table` and `awaiting_ids`): every link, the
 * ones still waiting for their handshake, the filed peers by id, and the admission limits
 * (PROTOCOL.md 9, F3).
 */
import { LimitExceededError, type P2PError } from '@p2p/base';
import type { PeerInfo } from './events';
import { addrKey } from './ids';
import type { Link } from './link';
import type { MeshConnection } from './mesh-connection';
import type { ResolvedLimits } from './options';
import type { PeerEntry } from './payloads';

export class PeerTable {
  readonly #limits: ResolvedLimits;
  readonly #all = new Set<Link>();
  readonly #awaiting = new Set<Link>();
  readonly #routed = new Map<string, Link>();
  /** The same filing as `#routed`, as the public views (a live map for `peers`). */
  readonly #views = new Map<string, MeshConnection>();
  /** Connections refused by a limit. */
  refused = 0;

  constructor(limits: ResolvedLimits) {
    this.#limits = limits;
  }

  /** Filed peers by id, live. */
  get peers(): ReadonlyMap<string, MeshConnection> {
    return this.#views;
  }

  get size(): number {
    return this.#routed.size;
  }

  get(id: string): Link | undefined {
    return this.#routed.get(id);
  }

  /** True when `link` is the one filed under its peer id. */
  isFiled(link: Link): boolean {
    return link.peerId !== undefined && this.#routed.get(link.peerId) === link;
  }

  routed(): IterableIterator<Link> {
    return this.#routed.values();
  }

  /** Every link, routed or waiting. */
  links(): Link[] {
    return [...this.#all];
  }

  get linkCount(): number {
    return this.#all.size;
  }

  has(link: Link): boolean {
    return this.#all.has(link);
  }

  pending(): Link[] {
    return [...this.#awaiting];
  }

  /** A new link, waiting for its handshake. */
  add(link: Link): void {
    this.#all.add(link);
    this.#awaiting.add(link);
  }

  /** The link is no longer waiting (filed, or closed as a conflict loser). */
  settled(link: Link): void {
    this.#awaiting.delete(link);
  }

  file(id: string, link: Link): void {
    this.#awaiting.delete(link);
    this.#routed.set(id, link);
    this.#views.set(id, link.connection);
  }

  /** Forgets `id` when `link` is what is filed under it. Returns whether it was. */
  unfile(id: string, link: Link): boolean {
    if (this.#routed.get(id) !== link) return false;
    this.#routed.delete(id);
    this.#views.delete(id);
    return true;
  }

  /** The link left for good. */
  remove(link: Link): void {
    this.#all.delete(link);
    this.#awaiting.delete(link);
  }

  /** The filed peer advertising `host:port`. */
  byAddr(host: string, port: number): Link | undefined {
    const key = addrKey(host, port);
    for (const link of this.#routed.values()) {
      if (link.peerAddr && addrKey(link.peerAddr[0], link.peerAddr[1]) === key) return link;
    }
    return undefined;
  }

  ids(outgoing: boolean): string[] {
    return [...this.#routed].filter(([, l]) => l.outgoing === outgoing).map(([id]) => id);
  }

  /** Every filed peer with a known address, in random order (the body of a peers message). */
  entries(): PeerEntry[] {
    const entries: PeerEntry[] = [];
    for (const [id, link] of this.#routed) if (link.peerAddr) entries.push({ id, addr: [link.peerAddr[0], link.peerAddr[1]] });
    for (let i = entries.length - 1; i > 0; i--) {
      const j = Math.floor(Math.random() * (i + 1));
      [entries[i], entries[j]] = [entries[j]!, entries[i]!];
    }
    return entries;
  }

  /** Why a new connection must be refused, counting the refusal; undefined to admit it. */
  admit(direction: 'incoming' | 'outgoing'): P2PError | undefined {
    const { maxConnections, maxPendingConnections } = this.#limits;
    let error: P2PError | undefined;
    if (this.#all.size >= maxConnections) {
      error = new LimitExceededError(`${direction} connection refused: ${maxConnections} connections open`, {
        details: { limit: 'maxConnections', value: maxConnections },
      });
    } else if (this.#awaiting.size >= maxPendingConnections) {
      error = new LimitExceededError(`${direction} connection refused: ${maxPendingConnections} handshakes pending`, {
        details: { limit: 'maxPendingConnections', value: maxPendingConnections },
      });
    }
    if (error) this.refused++;
    return error;
  }
}

/** A filed peer as events and `connect()` report it. */
export function peerInfo(link: Link): PeerInfo {
  return Object.freeze({
    id: link.peerId!,
    addr: link.peerAddr!,
    outgoing: link.outgoing,
    remote: link.remote,
    connection: link.connection,
  });
}
