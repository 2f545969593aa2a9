/**
 * The links this node keeps (README, "Routing"): its ring neighbours and one finger per
 * non-empty interval `[RING / 2^j, RING / 2^(j-1))` ahead of it, for j = 1..`fingers` (rules in
 * finger-rules.ts), all ordinary mesh connections. Candidates come from the peers lists mesh
 * receives on every new link; after each change one refresh dials any nearer neighbour or
 * finger heard of (keeping the link it replaces until then), a finger that leaves is replaced,
 * and outgoing links nobody needs are trimmed.
 */
import { MainFlags, SubFlags, evictOldest, utf8Encode, type TimerHandle } from '@p2p/base';
import type { MeshConnection } from '@p2p/mesh';
import type { ChordContext } from './context';
import { fingerPlace, pickFingers, settleFingers, type FingerPlace } from './finger-rules';
import { RING_SIZE, distance } from './hashing';
import type { Positioned } from './routing';

/** Nodes remembered from peers lists as finger candidates (oldest forgotten first). */
export const MAX_KNOWN_PEERS = 512;
/** Finger dials in flight at once. */
const MAX_FINGER_DIALS = 4;
/** Milliseconds between a change (a link, a meta) and the refresh it causes: a burst costs one. */
const REFRESH_DELAY_MS = 50;
/** A linked finger gives way only to a candidate this many times nearer its interval's start. */
const REPLACE_FACTOR = 2n;
/**
 * Milliseconds between two rounds of asking the peers around each interval start for their
 * lists: peers lists arrive only with new links, so a finger that joined later, or a list asked
 * for while the ring was still forming, is caught up here (Chord's periodic fix-fingers).
 */
const PROBE_INTERVAL_MS = 30_000;
/** Peers asked for their lists per refresh at most. */
const MAX_PROBES = 4;
/** py2p's peer-table request wildcard (PROTOCOL.md 4.9, F13): the answer is a peers list. */
const WILDCARD = utf8Encode('*');
/** Milliseconds a finger dial may take. */
const DIAL_TIMEOUT_MS = 10_000;
/**
 * Milliseconds before a remembered peer whose link closed is dialed again when still wanted: the
 * other side may only have trimmed the link (its outgoing links beyond its target), and a link
 * this node dials is never trimmed by the peer. A peer that left fails the dial and is forgotten.
 */
const REDIAL_AFTER_CLOSE_MS = 1_000;

/** A peer's position seen from this node. */
interface Geometry {
  readonly item: string;
  readonly id: bigint;
  readonly place: FingerPlace | undefined;
  /** Clockwise distance from this node to the peer, and from the peer to this node. */
  readonly ahead: bigint;
  readonly behind: bigint;
}

interface KnownPeer {
  readonly addr: readonly [string, number];
  readonly id: bigint;
}

export class Fingers {
  readonly #ctx: ChordContext;
  readonly #known = new Map<string, KnownPeer>();
  /** Peers that said they do not store (meta "1"): never fingers. */
  readonly #leeching = new Set<string>();
  readonly #dialing = new Set<string>();
  /** Ids of the links kept (neighbours, fingers, and links standing in for a finger being dialed): never trimmed. */
  #wanted = new Set<string>();
  #timer: TimerHandle | undefined;
  #periodic: TimerHandle | undefined;
  #later: TimerHandle | undefined;
  /** When remembered peers' links last closed, by id. */
  readonly #closedAt = new Map<string, number>();
  readonly #places = new Map<string, Geometry>();
  /** Peers asked for their peers list in this periodic round. */
  readonly #probed = new Set<string>();
  #linksAll = false;

  constructor(ctx: ChordContext) {
    this.#ctx = ctx;
    ctx.ring.pinned = (conn) => conn.peerId !== undefined && this.#wanted.has(conn.peerId);
  }

  /**
   * True when, at the last refresh, this node was linked to every storing node it knew of (a ring
   * small enough to link completely): then the node it asks about a key is the responsible one.
   */
  get linksAll(): boolean {
    return this.#linksAll && this.limit > 0;
  }

  /** Fingers kept at most (the `fingers` option); 0 when off. */
  get limit(): number {
    return this.#ctx.settings.fingers;
  }

  /**
   * mesh's `shouldAutoConnect` hook. With fingers on, the peer is remembered as a candidate and
   * a refresh decides which candidates of the whole list are worth a dial (mesh dials none by
   * itself). With fingers off, py2p's rule (PROTOCOL.md 6.6).
   */
  shouldAutoConnect(peerId: string, addr: readonly [string, number], byDefault: boolean): boolean {
    const { ring, host, settings } = this.#ctx;
    if (this.limit <= 0) return ring.shouldAutoConnect(peerId, byDefault, host.clock.now(), settings.redialBackoff);
    const x = ring.peerInt(peerId);
    if (x === undefined || x === ring.idInt) return false;
    this.#remember(peerId, addr, x);
    this.schedule();
    return false;
  }

  /** A peer's storing status is known (its meta): leechers are never fingers. */
  noteStoring(conn: MeshConnection, storing: boolean): void {
    const id = conn.peerId;
    if (id === undefined) return;
    if (storing) this.#leeching.delete(id);
    else {
      if (this.#leeching.size >= MAX_KNOWN_PEERS) this.#leeching.clear();
      this.#leeching.add(id);
    }
    this.schedule();
  }

  /** A link closed: the peer may have trimmed it or left; it is dialed again after REDIAL_AFTER_CLOSE_MS if still wanted. */
  noteClosed(conn: MeshConnection): void {
    const id = conn.peerId;
    if (id !== undefined && this.#known.has(id)) {
      this.#closedAt.delete(id);
      this.#closedAt.set(id, this.#ctx.host.clock.now());
      evictOldest(this.#closedAt, MAX_KNOWN_PEERS);
    }
    this.schedule();
  }

  /** A refresh soon: fingers chosen again, missing ones dialed, unneeded links trimmed. */
  schedule(): void {
    const { host } = this.#ctx;
    if (this.limit <= 0 || host.closed || this.#timer !== undefined) return;
    this.#timer = host.clock.setTimeout(() => {
      this.#timer = undefined;
      this.refresh();
    }, REFRESH_DELAY_MS);
  }

  /** The periodic round (every PROBE_INTERVAL_MS until closed): a refresh in which every peer may be asked again. */
  #armPeriodic(): void {
    const { host } = this.#ctx;
    if (this.limit <= 0 || host.closed) return;
    this.#periodic = host.clock.setTimeout(() => {
      this.#periodic = undefined;
      this.#probed.clear();
      this.refresh();
      this.#armPeriodic();
    }, PROBE_INTERVAL_MS);
  }

  /**
   * Chooses the links worth keeping among linked and remembered nodes: the `keep` nearest on each
   * side (ring neighbours) and, per interval, the node nearest its start (the finger; a linked one
   * stays unless a candidate is REPLACE_FACTOR times nearer). A finger not linked yet is dialed
   * while the link now in its interval is kept until it is (make before break). A ring of at most
   * {@link fullMeshPeers} known storing peers is linked completely. Outgoing links beyond mesh's
   * target that are none of these are trimmed.
   */
  refresh(): void {
    const ctx = this.#ctx;
    if (this.limit <= 0 || ctx.host.closed) return;
    // The periodic round starts with the first refresh (a node that never had a peer has none).
    if (this.#periodic === undefined) this.#armPeriodic();
    const peers = ctx.host.peers;
    const linked = this.#linked().map((c) => this.#geometry(c.item, c.id));
    const all = [...linked];
    for (const [peerId, known] of this.#known) {
      if (!peers.has(peerId) && !this.#leeching.has(peerId)) all.push(this.#geometry(peerId, known.id));
    }
    const keep = ctx.ring.keep;
    const neighbours = [...smallest(all, keep, (g) => g.ahead), ...smallest(all, keep, (g) => g.behind)].map((g) => g.item);
    const fingers = settleFingers(linked, all, REPLACE_FACTOR);
    // A ring no larger than the links routing may keep anyway is linked completely: every lookup
    // goes straight to the responsible node instead of costing a forward (a nil and a passed-on answer).
    const everyone = all.length <= fullMeshPeers(this.limit, keep) ? all.map((g) => g.item) : [];
    this.#linksAll = everyone.length > 0 && everyone.every((id) => peers.has(id));
    // Intervals whose finger is not linked yet keep their current link meanwhile.
    const waiting = new Set(all.filter((g) => fingers.includes(g.item) && !peers.has(g.item)).map((g) => g.place?.interval));
    const stopgaps = pickFingers(linked.filter((g) => waiting.has(g.place?.interval)));
    this.#wanted = new Set([...neighbours, ...fingers, ...stopgaps, ...everyone]);
    const now = ctx.host.clock.now();
    for (const peerId of [...neighbours, ...fingers, ...everyone]) {
      if (peers.has(peerId) || this.#dialing.has(peerId) || this.#dialing.size >= MAX_FINGER_DIALS) continue;
      const known = this.#known.get(peerId);
      if (!known) continue;
      const since = now - (this.#closedAt.get(peerId) ?? -Infinity);
      if (since < REDIAL_AFTER_CLOSE_MS) this.#refreshIn(REDIAL_AFTER_CLOSE_MS - since);
      else this.#dial(peerId, known.addr);
    }
    this.#probe(linked, all);
    if (!ctx.settings.trimConnections) return;
    for (let n = ctx.outgoingCount(); n > ctx.host.maxOutgoing; n--) if (!trimLeastEfficient(ctx)) break;
  }

  /**
   * Peers lists arrive with new links only, so a finger nobody mentioned would stay unknown. Per
   * interval, the linked nodes nearest before and after its start are asked for their lists
   * (py2p's `request *`), each once per periodic round: their neighbours and fingers include
   * the nodes around the start, and the refresh their answer causes links the finger.
   */
  #probe(linked: readonly Geometry[], all: readonly Geometry[]): void {
    const { host, ring } = this.#ctx;
    const me = ring.idInt;
    const last = Math.min(this.limit, Math.max(0, ...all.map((g) => g.place?.interval ?? 0)) + 1);
    let sent = 0;
    for (let j = 1; j <= last && sent < MAX_PROBES; j++) {
      const start = (me + (RING_SIZE >> BigInt(j))) % RING_SIZE;
      const before = smallest(linked, 1, (g) => distance(g.id, start))[0];
      const after = smallest(linked, 1, (g) => distance(start, g.id))[0];
      for (const g of new Set([before, after])) {
        const conn = g && host.peers.get(g.item);
        if (!conn || this.#probed.has(g.item)) continue;
        if (this.#probed.size >= MAX_KNOWN_PEERS) this.#probed.clear();
        this.#probed.add(g.item);
        try {
          host.sendTo(conn, MainFlags.whisper, SubFlags.request, [WILDCARD]);
          sent++;
        } catch {
          // The link is closing: its close schedules another refresh.
        }
      }
    }
  }

  /** Releases the timers. */
  stop(): void {
    const clock = this.#ctx.host.clock;
    clock.clearTimeout(this.#timer);
    clock.clearTimeout(this.#periodic);
    clock.clearTimeout(this.#later);
    this.#timer = undefined;
    this.#periodic = undefined;
    this.#later = undefined;
  }

  /** A refresh in `ms` (one pending at a time), for redials waiting out their delay. */
  #refreshIn(ms: number): void {
    const { host } = this.#ctx;
    if (host.closed || this.#later !== undefined) return;
    this.#later = host.clock.setTimeout(() => {
      this.#later = undefined;
      this.schedule();
    }, ms);
  }

  /** The routed peers that may store (not known leechers), with their positions. */
  #linked(): Array<Positioned<string>> {
    const out: Array<Positioned<string>> = [];
    for (const [peerId, conn] of this.#ctx.host.peers) {
      if (conn.closed || this.#leeching.has(peerId)) continue;
      const x = this.#ctx.ring.peerInt(peerId);
      if (x !== undefined) out.push({ item: peerId, id: x });
    }
    return out;
  }

  /** Where a peer sits from here (computed once per peer: this node's position never changes). */
  #geometry(peerId: string, x: bigint): Geometry {
    let g = this.#places.get(peerId);
    if (!g || g.id !== x) {
      const me = this.#ctx.ring.idInt;
      g = { item: peerId, id: x, place: fingerPlace(me, x, this.limit), ahead: distance(me, x), behind: distance(x, me) };
      if (this.#places.size >= 4 * MAX_KNOWN_PEERS) this.#places.clear();
      this.#places.set(peerId, g);
    }
    return g;
  }

  #remember(peerId: string, addr: readonly [string, number], id: bigint): void {
    this.#known.delete(peerId);
    this.#known.set(peerId, { addr: [addr[0], addr[1]], id });
    evictOldest(this.#known, MAX_KNOWN_PEERS);
  }

  #dial(peerId: string, addr: readonly [string, number]): void {
    this.#dialing.add(peerId);
    this.#ctx
      .dial(addr, peerId, DIAL_TIMEOUT_MS)
      .catch(() => this.#known.delete(peerId))
      .finally(() => {
        this.#dialing.delete(peerId);
        this.schedule();
      });
  }
}

/**
 * The largest ring (storing peers known, linked or not) a node links to completely: its
 * neighbours on both sides plus up to 8 (10 by default, 11 nodes). In a ring that small the
 * neighbours, about log2 N fingers and the nodes using this one as a finger are nearly everyone
 * anyway; a little beyond it, leftover links from the complete phase would keep rings of 20
 * linked nearly completely.
 */
export function fullMeshPeers(fingers: number, keep: number): number {
  return Math.min(fingers, 8) + 2 * keep;
}

/** The `count` items with the smallest `by`, smallest first (a selection: `count` is tiny). */
function smallest<T>(items: readonly T[], count: number, by: (item: T) => bigint): T[] {
  const out: T[] = [];
  for (const item of items) {
    const v = by(item);
    if (out.length === count && v >= by(out[count - 1]!)) continue;
    let i = out.length === count ? count - 1 : out.length;
    while (i > 0 && by(out[i - 1]!) > v) {
      out[i] = out[i - 1]!;
      i--;
    }
    out[i] = item;
  }
  return out;
}

/** PROTOCOL.md 6.8: closes the least efficient outgoing storing peer (never a neighbour or finger); whether one closed. */
export function trimLeastEfficient(ctx: ChordContext): boolean {
  const victim = ctx.ring.leastEfficient();
  if (!victim) return false;
  ctx.host.logger.debug(`disconnecting least efficient peer ${victim.peerId?.slice(0, 8)}`);
  ctx.disconnect(victim);
  return true;
}
