/**
 * The ring as this node sees it (PROTOCOL.md 6.2, 6.6, 6.8): its own position, which peers
 * store and where they sit, who is responsible for a ring key, and which peers are worth a
 * link. Decisions come from the pure rules in routing.ts.
 */
import { evictOldest } from '@p2p/base';
import type { MeshConnection } from '@p2p/mesh';
import { RING_SIZE, distance } from './hashing';
import { ringKeyFromText } from './ring-key-codec';
import { byPosition, closestAfter, closestBefore, closestBeforeSorted, leastEfficient, nearestAhead, nearestBehind, type Positioned } from './routing';

const MAX_ID_CACHE = 10_000;

interface TickMemo {
  readonly positions: Array<Positioned<MeshConnection>>;
  readonly ahead: MeshConnection[][];
  readonly behind: MeshConnection[][];
  /** Every routing candidate (this node first when it stores) in ring order, once `find` asked; null when an id is off the ring. */
  sorted?: Array<Positioned<unknown>> | null;
}

/** `S` is this node (the socket); every other node is a peer's connection. */
export class Ring<S> {
  readonly #self: S;
  readonly #peers: { readonly peers: ReadonlyMap<string, MeshConnection> };
  #idInt = 0n;
  /** This node as a routing candidate. */
  #position: Positioned<S>;
  #storing = false;
  /** How many storing neighbours on each side are kept linked (never trimmed, always dialed): `backupCopies`, at least 1. */
  #keep = 1;
  /** Per connection: true once the peer said it stores (meta "0"); py2p's `conn.leeching` inverted. */
  readonly #peerStoring = new WeakMap<MeshConnection, boolean>();
  readonly #idInts = new Map<string, bigint | null>();
  /** When a peer's link last closed, by id: re-dial backoff. */
  readonly #closedAt = new Map<string, number>();
  #memo: TickMemo | undefined;
  /** Links never trimmed besides the ring neighbours: the fingers (fingers.ts). */
  pinned: (conn: MeshConnection) => boolean = () => false;

  constructor(self: S, peers: { readonly peers: ReadonlyMap<string, MeshConnection> }) {
    this.#self = self;
    this.#peers = peers;
    this.#position = { item: self, id: 0n };
  }

  /** This node's ring position (py2p's `id_10`); set once the node id is known. */
  get idInt(): bigint {
    return this.#idInt;
  }

  set idInt(value: bigint) {
    this.#idInt = value;
    this.#position = { item: this.#self, id: value };
    this.#memo = undefined;
  }

  /** Whether this node stores data for others (between `join()` and `unjoin()`). */
  get storing(): boolean {
    return this.#storing;
  }

  set storing(value: boolean) {
    this.#storing = value;
    this.#memo = undefined;
  }

  /** Neighbours kept linked on each side (at least 1). */
  get keep(): number {
    return this.#keep;
  }

  set keep(value: number) {
    this.#keep = Math.max(1, Math.floor(value));
  }

  isStoringPeer(conn: MeshConnection): boolean {
    return this.#peerStoring.get(conn) === true;
  }

  setStoringPeer(conn: MeshConnection, storing: boolean): void {
    this.#peerStoring.set(conn, storing);
    this.#memo = undefined;
  }

  /** Routed peers that said they store data (py2p's `data_storing`). */
  storingPeers(): MeshConnection[] {
    return [...this.#peers.peers.values()].filter((c) => this.isStoringPeer(c) && !c.closed);
  }

  /** The node responsible for `k`: the nearest candidate at or before it (PROTOCOL.md 6.2). */
  find(k: bigint): S | MeshConnection | undefined {
    const memo = this.#tickMemo();
    if (memo.sorted === undefined) {
      const all: Array<Positioned<S | MeshConnection>> = this.#storing ? [this.#position, ...memo.positions] : memo.positions;
      memo.sorted = byPosition(all) ?? null;
    }
    const sorted = memo.sorted as Array<Positioned<S | MeshConnection>> | null;
    return sorted ? closestBeforeSorted(sorted, k) : closestBefore<S | MeshConnection>(memo.positions, k, this.#storing ? this.#position : undefined);
  }

  /** The candidate nearest at or after `k` (py2p's `find_prev`). */
  findPrev(k: bigint): S | MeshConnection | undefined {
    return closestAfter(this.#candidates(), k);
  }

  /** The nearest storing node behind this one: `find(id - 1)` (py2p's `next`). */
  get predecessor(): S | MeshConnection | undefined {
    return this.find(this.#idInt - 1n);
  }

  /** The nearest storing node ahead of this one: `findPrev(id + 1)` (py2p's `prev`). */
  get successor(): S | MeshConnection | undefined {
    return this.findPrev(this.#idInt + 1n);
  }

  /** The `count` nearest storing peers behind this one, nearest first: where backups of our entries go. */
  predecessors(count: number): MeshConnection[] {
    const memo = this.#tickMemo();
    return (memo.behind[count] ??= nearestBehind(memo.positions, this.#idInt, count));
  }

  /** The `count` nearest storing peers ahead of this one, nearest first: whose backups we keep. */
  successors(count: number): MeshConnection[] {
    const memo = this.#tickMemo();
    return (memo.ahead[count] ??= nearestAhead(memo.positions, this.#idInt, count));
  }

  /** The ring position of a peer id; undefined when it is not base58 or off the ring. */
  peerInt(peerId: string): bigint | undefined {
    let cached = this.#idInts.get(peerId);
    if (cached === undefined) {
      const parsed = ringKeyFromText(peerId);
      cached = parsed === undefined || parsed >= RING_SIZE ? null : parsed;
      if (this.#idInts.size >= MAX_ID_CACHE) this.#idInts.clear();
      this.#idInts.set(peerId, cached);
    }
    return cached ?? undefined;
  }

  /** The storing peer in the tightest cluster (PROTOCOL.md 6.8), never one of the `keep` ring neighbours on either side nor a finger. */
  leastEfficient(): MeshConnection | undefined {
    const protect = new Set<S | MeshConnection | undefined>([this.predecessor, this.successor, ...this.predecessors(this.#keep), ...this.successors(this.#keep)]);
    return leastEfficient(this.#storingPositions(), (c) => c.outgoing && !protect.has(c) && !this.pinned(c));
  }

  /** Remembers when a peer's link closed, for {@link shouldAutoConnect}'s backoff. */
  noteClosed(peerId: string, now: number): void {
    this.#memo = undefined;
    this.#closedAt.set(peerId, now);
    evictOldest(this.#closedAt, MAX_ID_CACHE);
  }

  /**
   * Whether to dial a peer learned from a peers list, with fingers off (PROTOCOL.md 6.6): always
   * when it would be a closer neighbour; not within `backoff` ms of its link closing; else when
   * mesh would (`byDefault`) or it is `is_prev` / `is_next` (a missing neighbour counts as false).
   */
  shouldAutoConnect(peerId: string, byDefault: boolean, now: number, backoff: number): boolean {
    const x = this.peerInt(peerId);
    if (x === undefined) return false;
    if (this.#wouldBeNeighbour(x)) return true;
    const closedAt = this.#closedAt.get(peerId);
    if (closedAt !== undefined && now - closedAt < backoff) return false;
    if (byDefault) return true;
    const me = this.#idInt;
    const prev = this.#positionOf(this.successor);
    const next = this.#positionOf(this.predecessor);
    const isPrev = prev !== undefined && distance(x, me) <= distance(prev, me);
    const isNext = next !== undefined && distance(me, x) <= distance(me, next);
    return isPrev || isNext;
  }

  #candidates(): Array<Positioned<S | MeshConnection>> {
    const out: Array<Positioned<S | MeshConnection>> = [];
    if (this.#storing) out.push({ item: this.#self, id: this.#idInt });
    for (const p of this.#storingPositions()) out.push(p);
    return out;
  }

  #storingPositions(): Array<Positioned<MeshConnection>> {
    return this.#tickMemo().positions;
  }

  /**
   * The storing peers' positions and the nearest ones, computed once per synchronous run: a
   * peers list asks about every entry and a burst of writes about every slot, while the peer
   * set changes only between runs (and through {@link setStoringPeer}, which drops the memo).
   */
  #tickMemo(): TickMemo {
    // A link may close within the run (a drop, a trim): then the memo is stale.
    if (this.#memo && !this.#memo.positions.some((p) => p.item.closed)) return this.#memo;
    const memo: TickMemo = { positions: this.#scanStoring(), ahead: [], behind: [] };
    this.#memo = memo;
    queueMicrotask(() => {
      if (this.#memo === memo) this.#memo = undefined;
    });
    return memo;
  }

  #scanStoring(): Array<Positioned<MeshConnection>> {
    const out: Array<Positioned<MeshConnection>> = [];
    for (const conn of this.#peers.peers.values()) {
      if (!this.isStoringPeer(conn) || conn.closed || conn.peerId === undefined) continue;
      const id = this.peerInt(conn.peerId);
      if (id !== undefined) out.push({ item: conn, id });
    }
    return out;
  }

  #positionOf(node: S | MeshConnection | undefined): bigint | undefined {
    if (node === undefined) return undefined;
    if (node === this.#self) return this.#idInt;
    const id = (node as MeshConnection).peerId;
    return id === undefined ? undefined : this.peerInt(id);
  }

  /**
   * True when `x` would be among the `keep` nearest storing neighbours on either side, closer than
   * the farthest current one (or fewer than `keep` are known on a side).
   */
  #wouldBeNeighbour(x: bigint): boolean {
    const me = this.#idInt;
    if (x === me) return false;
    const succ = this.#positionOf(this.successors(this.#keep)[this.#keep - 1]);
    const pred = this.#positionOf(this.predecessors(this.#keep)[this.#keep - 1]);
    if (succ === undefined || pred === undefined) return this.#storing;
    return distance(me, x) < distance(me, succ) || distance(x, me) < distance(pred, me);
  }
}
