/**
 * Mesh's metric set (README, "Metrics"): what every mesh socket records into its registry.
 * The recording calls are made from the receive and send paths, so each is a few array
 * lookups and additions: series are resolved once per (flag, sub-flag) or compression method
 * and kept, never looked up by a built string. Sync and chord add their own series to the same
 * registry through `MeshHost.metrics`.
 */
import {
  CompressionFlags,
  MainFlags,
  MetricsRegistry,
  SubFlags,
  type Clock,
  type Counter,
  type CounterSeries,
  type Histogram,
  type P2PError,
  type WireMessage,
} from '@p2p/base';
import type { Link } from './link';
import type { MessageQueue } from './message-queue';
import type { MeshStats } from './options';
import type { PeerTable } from './peer-table';
import type { Waterfall } from './waterfall';
import type { WriteBudget } from './write-budget';

/** Delivery latency buckets, in seconds. Packet times are whole seconds (PROTOCOL.md 1.6), so below 1 s little is told apart. */
export const LATENCY_BUCKETS = Object.freeze([0.5, 1, 2, 5, 10, 30, 60, 120, 300]);

/** Why a received message went no further. */
export type DropReason = 'duplicate' | 'expired' | 'empty' | 'stopped' | 'before_handshake' | 'answer_on_closing_link';
// (A full receive queue is reported as reason `queue_full`, read from the queue's own count.)

/** At most this many connections get their own `p2p_connection_bytes` series. */
const MAX_CONNECTION_SERIES = 64;

const FLAG_NAMES = invert(MainFlags);
const SUB_NAMES = invert(SubFlags);
const COMPRESSION_NAMES = invert(CompressionFlags);
/** Main flags 0..4 and one slot for anything else; sub-flags 0..255 and one slot for anything else. */
const FLAG_SLOTS = 6;
const SUB_SLOTS = 257;

export class MeshMetrics {
  readonly registry: MetricsRegistry;
  readonly #received = new Array<CounterSeries | undefined>(FLAG_SLOTS * SUB_SLOTS);
  readonly #sent = new Array<CounterSeries | undefined>(FLAG_SLOTS * SUB_SLOTS);
  readonly #relayed = new Array<CounterSeries | undefined>(SUB_SLOTS);
  readonly #bytesIn = new Map<number | null, CounterSeries>();
  readonly #bytesOut = new Map<number | null, CounterSeries>();
  readonly #dropped = new Map<DropReason, CounterSeries>();
  readonly #closed = new Map<string, CounterSeries>();
  readonly #handshakeFailed = new Map<string, CounterSeries>();
  readonly #authFailed = new Map<string, CounterSeries>();
  readonly #signatureFailed = new Map<string, CounterSeries>();
  readonly #messagesIn: Counter;
  readonly #messagesOut: Counter;
  readonly #relays: Counter;
  readonly #bytesInBy: Counter;
  readonly #bytesOutBy: Counter;
  readonly #drops: Counter;
  readonly #duplicates: CounterSeries;
  readonly #opened: { incoming: CounterSeries; outgoing: CounterSeries };
  readonly #closes: Counter;
  readonly #handshakeFailures: Counter;
  readonly #authFailures: Counter;
  readonly #signatureFailures: Counter;
  readonly #latency: Histogram;
  #queue: { readonly dropped: number } | undefined;
  #stats: (() => Omit<MeshStats, 'droppedWrites'>) | undefined;
  #writes: WriteBudget | undefined;

  constructor(clock: Clock, registry = new MetricsRegistry({ now: () => clock.now() })) {
    this.registry = registry;
    const r = registry;
    this.#messagesIn = r.counter('p2p_messages_received_total', 'Frames received and decoded, by main flag and sub-flag', ['flag', 'type']);
    this.#messagesOut = r.counter('p2p_messages_sent_total', 'Messages this node originated, once per connection written to, by main flag and sub-flag', ['flag', 'type']);
    this.#relays = r.counter('p2p_messages_relayed_total', 'Broadcasts forwarded to a neighbour (PROTOCOL.md 4.8), once per connection', ['type']);
    this.#duplicates = r.counter('p2p_duplicates_dropped_total', 'Broadcasts already seen, dropped by the waterfall').series();
    this.#drops = r.counter('p2p_messages_dropped_total', 'Received messages that went no further, by reason', ['reason'], (report) => {
      if (this.#queue) report(this.#queue.dropped, 'queue_full');
    });
    this.#bytesInBy = r.counter('p2p_bytes_received_total', 'Frame bytes received, by the compression method that decoded them', ['compression']);
    this.#bytesOutBy = r.counter('p2p_bytes_sent_total', 'Frame bytes queued for sending, by compression method', ['compression']);
    const opened = r.counter('p2p_connections_opened_total', 'Connections opened, by direction', ['direction']);
    this.#opened = { incoming: opened.series('incoming'), outgoing: opened.series('outgoing') };
    this.#closes = r.counter('p2p_connections_closed_total', 'Connections closed, by error code (clean for none)', ['reason']);
    this.#handshakeFailures = r.counter('p2p_handshake_failures_total', 'Connections that closed with an error before the peer handshake was accepted, by error code', ['reason']);
    this.#authFailures = r.counter('p2p_auth_failures_total', 'Authenticated-subnet handshakes refused (key does not match the id, failed proof, TLS key mismatch), by reason', ['reason']);
    this.#signatureFailures = r.counter('p2p_signature_failures_total', 'Messages dropped in an authenticated subnet for a missing or invalid signature (the neighbour that passed one on is dropped), by reason', ['reason']);
    const started = clock.now() / 1000;
    r.gauge('p2p_start_time_seconds', 'When this socket was created, in seconds since the epoch', [], (report) => report(started));
    this.#latency = r.histogram('p2p_delivery_latency_seconds', "Time from a received packet's timestamp to its receipt (clock skew included)", LATENCY_BUCKETS);
  }

  /**
   * Reads the socket's state at snapshot time: peers, pending handshakes, refused connections,
   * receive-queue depth and drops, and the bytes of each open connection. Returns `queue`.
   */
  watch<Q extends MessageQueue<any>>(table: PeerTable, waterfall: Waterfall, queue: Q): Q {
    const r = this.registry;
    this.#queue = queue;
    this.#stats = () => ({
      droppedMessages: queue.dropped,
      expiredBroadcasts: waterfall.expired,
      evictedSeen: waterfall.evicted,
      refusedConnections: table.refused,
    });
    r.gauge('p2p_peers', 'Peers whose handshake was accepted, by who dialed', ['direction'], (report) => {
      report(table.size - table.outgoingCount, 'incoming');
      report(table.outgoingCount, 'outgoing');
    });
    r.gauge('p2p_pending_connections', 'Connections waiting for the peer handshake', [], (report) => report(table.pending().length));
    r.counter('p2p_connections_refused_total', 'Connections refused by a limit (maxConnections, maxPendingConnections)', [], (report) => report(table.refused));
    r.gauge('p2p_receive_queue_messages', 'Messages waiting in the recv() / messages() queue', [], (report) => report(queue.size));
    r.gauge('p2p_connection_bytes', `Frame bytes of each open connection (at most ${MAX_CONNECTION_SERIES})`, ['peer', 'direction'], (report) => {
      for (const link of table.links().slice(0, MAX_CONNECTION_SERIES)) {
        const peer = connectionLabel(link);
        report(link.bytesSent, peer, 'sent');
        report(link.bytesReceived, peer, 'received');
      }
    });
    return queue;
  }

  /** Reads the node's write budget at snapshot time: bytes queued for peers and relays not queued. */
  watchWrites(writes: WriteBudget): void {
    const r = this.registry;
    this.#writes = writes;
    r.gauge('p2p_write_queue_bytes', 'Bytes queued for all peers, not yet taken by them', [], (report) => report(writes.queued));
    r.counter('p2p_writes_dropped_total', 'Relayed broadcasts not queued for a peer that had limits.maxWriteBufferBytes queued', [], (report) => report(writes.droppedWrites));
  }

  /** The socket's `stats` (the counters kept before metrics existed, and `droppedWrites`). */
  stats(): MeshStats {
    const base = this.#stats?.() ?? { droppedMessages: 0, expiredBroadcasts: 0, evictedSeen: 0, refusedConnections: 0 };
    return { ...base, droppedWrites: this.#writes?.droppedWrites ?? 0 };
  }

  /** A decoded frame arrived at `nowMs` (the socket's clock): counted by type, bytes by compression, latency from its timestamp. */
  received(wire: WireMessage, nowMs: number): void {
    const sub = wire.payload[0];
    this.#count(this.#received, this.#messagesIn, wire.type, sub, 1);
    this.#byMethod(this.#bytesIn, this.#bytesInBy, wire.compression).inc(wire.frameLength);
    const seconds = nowMs / 1000 - wire.time;
    this.#latency.observe(seconds > 0 ? seconds : 0);
  }

  /** This node's own message went out on `connections` connections. */
  sent(flag: number, type: unknown, connections: number): void {
    if (connections > 0) this.#count(this.#sent, this.#messagesOut, flag, type, connections);
  }

  /** A broadcast was forwarded to `connections` neighbours. */
  relayed(wire: WireMessage, connections: number): void {
    if (connections === 0) return;
    const slot = subSlot(wire.payload[0]);
    (this.#relayed[slot] ??= this.#relays.series(subName(wire.payload[0], slot))).inc(connections);
  }

  /** A frame of `bytes` was queued with compression `method` (null: none). */
  bytesSent(method: number | null, bytes: number): void {
    this.#byMethod(this.#bytesOut, this.#bytesOutBy, method).inc(bytes);
  }

  /** A frame of an already seen broadcast was dropped before decoding: its bytes, and the drop. */
  duplicateFrame(frameLength: number, compression: number | null): void {
    this.#byMethod(this.#bytesIn, this.#bytesInBy, compression).inc(frameLength);
    this.dropped('duplicate');
  }

  /** A received message was dropped. */
  dropped(reason: DropReason): void {
    if (reason === 'duplicate') this.#duplicates.inc();
    let s = this.#dropped.get(reason);
    if (s === undefined) this.#dropped.set(reason, (s = this.#drops.series(reason)));
    s.inc();
  }

  opened(outgoing: boolean): void {
    (outgoing ? this.#opened.outgoing : this.#opened.incoming).inc();
  }

  /** A link closed; `handshaken` when the peer's handshake had been accepted on it. */
  closed(reason: P2PError | undefined, handshaken: boolean): void {
    const code = reason?.code ?? 'clean';
    bySeries(this.#closed, this.#closes, code).inc();
    if (!handshaken && reason !== undefined) bySeries(this.#handshakeFailed, this.#handshakeFailures, code).inc();
  }

  /** An authenticated-subnet handshake was refused (auth-session.ts). */
  authFailed(reason: string): void {
    bySeries(this.#authFailed, this.#authFailures, reason).inc();
  }

  /** A received message's signature was refused (message-signing.ts). */
  signatureFailed(reason: string): void {
    bySeries(this.#signatureFailed, this.#signatureFailures, reason).inc();
  }

  #count(cache: Array<CounterSeries | undefined>, counter: Counter, flag: number, sub: unknown, n: number): void {
    const f = flag >= 0 && flag < FLAG_SLOTS - 1 ? flag : FLAG_SLOTS - 1;
    const s = subSlot(sub);
    const i = f * SUB_SLOTS + s;
    (cache[i] ??= counter.series(FLAG_NAMES.get(flag) ?? 'other', subName(sub, s))).inc(n);
  }

  #byMethod(cache: Map<number | null, CounterSeries>, counter: Counter, method: number | null): CounterSeries {
    let s = cache.get(method);
    if (s === undefined) cache.set(method, (s = counter.series(method === null ? 'none' : (COMPRESSION_NAMES.get(method) ?? String(method)))));
    return s;
  }
}

function bySeries(cache: Map<string, CounterSeries>, counter: { series(v: string): CounterSeries }, value: string): CounterSeries {
  let s = cache.get(value);
  if (s === undefined) cache.set(value, (s = counter.series(value)));
  return s;
}

/** 0..255 for an integer sub-flag, 256 for anything else. */
function subSlot(sub: unknown): number {
  return typeof sub === 'number' && Number.isInteger(sub) && sub >= 0 && sub < SUB_SLOTS - 1 ? sub : SUB_SLOTS - 1;
}

function subName(sub: unknown, slot: number): string {
  if (slot === SUB_SLOTS - 1) return 'other';
  return SUB_NAMES.get(sub as number) ?? String(sub);
}

/** A connection's label: the peer id's first 12 characters, or its remote address while handshaking. */
function connectionLabel(link: Link): string {
  return link.peerId?.slice(0, 12) ?? `${link.remote.host}:${link.remote.port}`;
}

function invert(flags: Readonly<Record<string, number>>): ReadonlyMap<number, string> {
  const names = new Map<number, string>();
  for (const [name, value] of Object.entries(flags)) if (!names.has(value)) names.set(value, name);
  return names;
}
