/**
 * Who this node is connected to (py2p's `routing_table` and `awaiting_ids`): every link, the
 * ones still waiting for their handshake, the filed peers by id, and the admission limits
 * (PROTOCOL.md 9, F3).
 */
import { LimitExceededError, type P2PError, type RawMsgpack } from '@p2p/base';
import { decideAdmission, type AdmissionCandidate } from './admission';
import type { PeerInfo } from './events';
import { addrKey } from './ids';
import type { Link } from './link';
import type { MeshConnection } from './mesh-connection';
import type { ResolvedLimits } from './options';
import { peerEntryRaw } from './payloads';

/** When a link opened and last carried user traffic (admission.ts). */
interface Times {
  readonly openedAt: number;
  activeAt: number;
}

export class PeerTable {
  readonly #limits: ResolvedLimits;
  readonly #now: () => number;
  readonly #all = new Set<Link>();
  readonly #times = new Map<Link, Times>();
  /** Links being dropped to make room: still open until their close, no longer counted. */
  readonly #evicting = new Set<Link>();
  /** Filed links dropped to make room: out of the table at once, their id kept for {@link unfile}. */
  readonly #evictedIds = new WeakMap<Link, string>();
  /** Dials admitted whose socket is not a link yet; they count against the caps. */
  #dialing = 0;
  readonly #awaiting = new Set<Link>();
  readonly #routed = new Map<string, Link>();
  /** The same filing as `#routed`, as the public views (a live map for `peers`). */
  readonly #views = new Map<string, MeshConnection>();
  /** Each filed peer's entry of a peers list, encoded when it is filed (a list is sent on every handshake and request). */
  readonly #listed = new Map<string, RawMsgpack>();
  /** Filed links this node dialed, kept as they are filed and unfiled (asked per peers-list entry). */
  #outgoing = 0;
  /** Connections refused by a limit. */
  refused = 0;
  /** Connections dropped to make room for a newer one. */
  evicted = 0;

  constructor(limits: ResolvedLimits, now: () => number) {
    this.#limits = limits;
    this.#now = now;
  }

  /** Filed peers by id, live. */
  get peers(): ReadonlyMap<string, MeshConnection> {
    return this.#views;
  }

  get size(): number {
    return this.#routed.size;
  }

  /** Filed peers this node dialed (as `ids(true).length`, without the list). */
  get outgoingCount(): number {
    return this.#outgoing;
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
    const now = this.#now();
    this.#all.add(link);
    this.#awaiting.add(link);
    this.#times.set(link, { openedAt: now, activeAt: now });
  }

  /** `link` carried user traffic (anything but handshakes, peers lists and pings): it is not idle. */
  active(link: Link): void {
    const times = this.#times.get(link);
    if (times) times.activeAt = this.#now();
  }

  /** The link is no longer waiting (filed, or closed as a conflict loser). */
  settled(link: Link): void {
    this.#awaiting.delete(link);
  }

  file(id: string, link: Link): void {
    this.#awaiting.delete(link);
    const before = this.#routed.get(id);
    if (before !== undefined && before.outgoing) this.#outgoing--;
    if (link.outgoing) this.#outgoing++;
    this.#routed.set(id, link);
    this.#views.set(id, link.connection);
    const addr = link.peerAddr;
    if (addr !== undefined) this.#listed.set(id, peerEntryRaw({ id, addr: [addr[0], addr[1]] }));
    else this.#listed.delete(id);
  }

  /** Forgets `id` when `link` is what is filed under it. Returns whether it was. */
  unfile(id: string, link: Link): boolean {
    if (this.#evictedIds.get(link) === id) {
      this.#evictedIds.delete(link);
      return true;
    }
    if (this.#routed.get(id) !== link) return false;
    if (link.outgoing) this.#outgoing--;
    this.#routed.delete(id);
    this.#views.delete(id);
    this.#listed.delete(id);
    return true;
  }

  /** The link left for good. */
  remove(link: Link): void {
    this.#all.delete(link);
    this.#awaiting.delete(link);
    this.#times.delete(link);
    this.#evicting.delete(link);
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

  /**
   * The body of a peers message: every filed peer with a known address that `include` accepts,
   * each entry encoded once (payloads.ts), in random order.
   */
  peersList(include: (peer: Link) => boolean): RawMsgpack[] {
    const entries: RawMsgpack[] = [];
    for (const [id, link] of this.#routed) {
      const entry = this.#listed.get(id);
      if (entry !== undefined && include(link)) entries.push(entry);
    }
    for (let i = entries.length - 1; i > 0; i--) {
      const j = Math.floor(Math.random() * (i + 1));
      [entries[i], entries[j]] = [entries[j]!, entries[i]!];
    }
    return entries;
  }

  /**
   * Admits a new connection or says why not, counting the refusal (the rules are admission.ts).
   * Connections evicted to make room are dropped with `LIMIT_EXCEEDED`. An admitted outgoing
   * dial counts against the caps at once, until {@link dialEnded}: concurrent dials cannot
   * overshoot `maxConnections`.
   */
  admit(direction: 'incoming' | 'outgoing', host?: string): P2PError | undefined {
    const candidates: Array<AdmissionCandidate & { link: Link }> = [];
    for (const link of this.#all) {
      if (this.#evicting.has(link)) continue;
      const times = this.#times.get(link);
      candidates.push({
        link,
        outgoing: link.outgoing,
        handshaken: !this.#awaiting.has(link),
        host: remoteIp(link.remote.host),
        openedAt: times?.openedAt ?? 0,
        activeAt: times?.activeAt ?? 0,
      });
    }
    const decision = decideAdmission({ direction, host: host === undefined ? undefined : remoteIp(host) }, candidates, this.#dialing, this.#limits, this.#now());
    if (decision.kind === 'refuse') {
      this.refused++;
      const what = LIMIT_TEXT[decision.limit];
      return new LimitExceededError(`${direction} connection refused: ${decision.value} ${what}`, {
        details: { limit: decision.limit, value: decision.value },
      });
    }
    for (const { link } of decision.evict) {
      this.evicted++;
      this.#evicting.add(link);
      this.#awaiting.delete(link);
      // Not a peer any more from now on (no sends, not in `peers`); its close reports the disconnect.
      if (link.peerId !== undefined && this.unfile(link.peerId, link)) this.#evictedIds.set(link, link.peerId);
      link.destroy(
        new LimitExceededError(`connection evicted to make room for a new ${direction} one`, {
          details: { remote: link.remote, handshaken: link.peerId !== undefined },
        }),
      );
    }
    if (direction === 'outgoing') this.#dialing++;
    return undefined;
  }

  /** An admitted dial ended: its socket became a link (added just now) or it failed. */
  dialEnded(): void {
    this.#dialing = Math.max(0, this.#dialing - 1);
  }
}

const LIMIT_TEXT: Record<string, string> = {
  maxConnections: 'connections open (maxConnections)',
  maxPendingConnections: 'incoming handshakes pending (maxPendingConnections)',
  maxPendingOutgoing: 'outgoing handshakes pending (maxPendingOutgoing)',
  maxPendingPerAddress: 'incoming handshakes pending from this address (maxPendingPerAddress)',
  maxConnectionsPerAddress: 'connections from this address (maxConnectionsPerAddress)',
};

/** The IP of a remote host, an IPv4-mapped IPv6 address as its IPv4 form. */
function remoteIp(host: string): string {
  return host.startsWith('::ffff:') ? host.slice(7) : host;
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
