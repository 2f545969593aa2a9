/**
 * Test helpers for signed records: the authenticated chord subnet, a hostile node of it (a real
 * mesh node with its own valid identity, so its handshake and message signatures pass, whose
 * chord traffic the test scripts), and readers of the refusal metrics and error events.
 */
import {
  Identity,
  MainFlags,
  Protocol,
  RawMsgpack,
  SubFlags,
  base58DecodeInt,
  base58EncodeInt,
  decodeArrayWithRaw,
  fieldText,
  utf8Encode,
  type MetricsSnapshot,
  type P2PError,
  type WireMessage,
} from '@p2p/base';
import { MeshSocket, type ExtensionHandler, type MeshConnection, type MeshHost, type MeshSocketOptions } from '@p2p/mesh';
import { HASH_METHODS, RING_SIZE, distance, type ChordSocket, type HashMethod } from '@p2p/chord';
import { waitFor } from '@p2p/testnet';
import { idOf, track } from './helpers';

/** The authenticated chord subnet every record test runs in. */
export const AUTH = new Protocol('chord', 'Plaintext', { auth: true });

/**
 * A node of the authenticated subnet that speaks chord by hand: it sends the stores and
 * answers the test asks for, and ignores every store it receives. With `storing` it tells its
 * peers it stores (meta "0"), so they route some slots to it, and it answers retrieves from
 * {@link answers} (nil for anything else), never with what it was sent.
 */
export class HostileNode extends MeshSocket {
  static override readonly defaultProtocol: Protocol = AUTH;
  readonly host: MeshHost;
  /** What it answers to `retrieve [method, key]`, by `method|base58 key`. */
  readonly answers = new Map<string, Uint8Array>();
  /** Values heard in `retrieved` answers, exactly as received, by `method|base58 key`. */
  readonly heard = new Map<string, Uint8Array>();
  /** Peers that said they store. */
  readonly storingIds = new Set<string>();
  readonly #storing: boolean;

  protected constructor(options: MeshSocketOptions & { storing?: boolean }) {
    super({ protocol: AUTH, ...options });
    this.#storing = options.storing === true;
    this.host = this.extend({
      handlers: new Map<number, ExtensionHandler>([
        [SubFlags.handshake, (message) => this.#meta(message.packets, message.sender)],
        [SubFlags.retrieve, (message, conn) => this.#retrieve(message.packets, conn)],
        [SubFlags.store, () => true],
        [SubFlags.delta, () => true],
        [SubFlags.notify, () => true],
        [SubFlags.retrieved, (message, _conn, wire) => this.#retrieved(message.packets, wire)],
        [0x2f, () => true],
      ]),
      handshakeSent: (conn) => this.host.sendTo(conn, MainFlags.whisper, SubFlags.handshake, [this.#storing ? '0' : '1']),
    });
  }

  static override listen(options: MeshSocketOptions & { storing?: boolean } = {}): Promise<HostileNode> {
    return HostileNode.open(new HostileNode(options));
  }

  /** Sends `whisper / store [method, key, value]` with `value`'s bytes exactly as given (null: nil). */
  sendStore(conn: MeshConnection, method: HashMethod, k: bigint, value: Uint8Array | null): void {
    this.host.sendTo(conn, MainFlags.whisper, SubFlags.store, [utf8Encode(method), ringKey(k), value ? new RawMsgpack(value) : null]);
  }

  /** Sends `whisper / delta [method, key, delta]`. */
  sendDelta(conn: MeshConnection, method: HashMethod, k: bigint, delta: Record<string, unknown>): void {
    this.host.sendTo(conn, MainFlags.whisper, SubFlags.delta, [utf8Encode(method), ringKey(k), delta]);
  }

  /** Sends an unasked `whisper / retrieved [method, key, value]` (a reader hears any answer for a slot it waits on). */
  sendRetrieved(conn: MeshConnection, method: HashMethod, k: bigint, value: Uint8Array): void {
    this.host.sendTo(conn, MainFlags.whisper, SubFlags.retrieved, [utf8Encode(method), ringKey(k), new RawMsgpack(value)]);
  }

  /**
   * Captures what `conn` holds at slot `(method, k)`: a `retrieve`, and the value of the first
   * non-nil `retrieved` answer, as its exact bytes.
   */
  async capture(conn: MeshConnection, method: HashMethod, k: bigint): Promise<Uint8Array> {
    const id = `${method}|${base58EncodeInt(k)}`;
    this.heard.delete(id);
    this.host.sendTo(conn, MainFlags.whisper, SubFlags.retrieve, [utf8Encode(method), ringKey(k)]);
    return waitFor(() => this.heard.get(id), { timeout: 5000, message: 'nothing captured' });
  }

  /** This node's link to `peerId`. */
  link(peerId: string): MeshConnection {
    const conn = this.peers.get(peerId);
    if (!conn) throw new Error(`no link to ${peerId.slice(0, 8)}`);
    return conn;
  }

  /** Chord meta (the link may not be filed yet: the sender field names the peer). */
  #meta(packets: readonly unknown[], sender: string): boolean {
    if (packets.length !== 2) return false;
    if (fieldText(packets[1]) === '0') this.storingIds.add(sender);
    return true;
  }

  #retrieved(packets: readonly unknown[], wire: WireMessage): boolean {
    if (packets.length >= 4 && packets[3] !== null) {
      this.heard.set(`${fieldText(packets[1])}|${fieldText(packets[2])}`, decodeArrayWithRaw(wire.packed).raw[6]!.slice());
    }
    return true;
  }

  #retrieve(packets: readonly unknown[], conn: MeshConnection): boolean {
    const answer = this.answers.get(`${fieldText(packets[1])}|${fieldText(packets[2])}`);
    this.host.sendTo(conn, MainFlags.whisper, SubFlags.retrieved, [packets[1], packets[2], answer ? new RawMsgpack(answer) : null]);
    return true;
  }
}

function ringKey(k: bigint): Uint8Array {
  return utf8Encode(base58EncodeInt(k));
}

/** A hostile node connected to every node of `nodes`, closed after the test, once it knows they store. */
export async function hostileOf(nodes: readonly ChordSocket[], storing = false, identity?: Identity): Promise<HostileNode> {
  const hostile = track(await HostileNode.listen({ storing, ...(identity ? { identity } : {}) }));
  for (const n of nodes) await hostile.connect(...n.outAddr);
  await waitFor(() => nodes.every((n) => hostile.storingIds.has(n.id)), { timeout: 5000, message: 'hostile node did not learn who stores' });
  if (storing) await waitFor(() => nodes.every((n) => n.storingPeers().some((c) => c.peerId === hostile.id)), { timeout: 5000 });
  return hostile;
}

/**
 * A fresh identity whose node, joining `nodes`, would hold at least `share` of the ring (from its
 * id to the next node's): a random id's share may be too small for a test that needs names whose
 * slots land mostly on it.
 */
export function identityWithShare(nodes: readonly ChordSocket[], share: number): Identity {
  const least = (RING_SIZE * BigInt(Math.round(share * 1000))) / 1000n;
  for (let attempt = 0; attempt < 1000; attempt++) {
    const identity = Identity.generate();
    const x = base58DecodeInt(identity.id);
    if (x >= RING_SIZE) continue;
    const ahead = nodes.reduce((min, n) => {
      const d = distance(x, n.idInt);
      return d > 0n && d < min ? d : min;
    }, RING_SIZE);
    if (ahead >= least) return identity;
  }
  throw new Error(`no identity with ${share} of the ring in 1,000 tries`);
}

/** The id of the node `nodes` hold responsible for ring key `k` (they agree once the ring settled). */
export function responsible(nodes: readonly ChordSocket[], k: bigint): string {
  return idOf(nodes[0]!, nodes[0]!.find(k))!;
}

/** `p2p_chord_records_refused_total` of one snapshot, summed over the series matching `labels`. */
export function refused(snap: MetricsSnapshot, labels: { reason?: string; via?: string } = {}): number {
  const metric = snap.metrics.find((m) => m.name === 'p2p_chord_records_refused_total');
  if (!metric || metric.kind === 'histogram') return 0;
  return metric.series
    .filter((s) => (labels.reason === undefined || s.labels['reason'] === labels.reason) && (labels.via === undefined || s.labels['via'] === labels.via))
    .reduce((sum, s) => sum + s.value, 0);
}

/** Refusals summed over `nodes`. */
export function refusedOn(nodes: readonly ChordSocket[], labels: { reason?: string; via?: string } = {}): number {
  return nodes.reduce((sum, n) => sum + refused(n.metrics(), labels), 0);
}

/** Mesh's `p2p_signature_failures_total` over `nodes`: 0 when every message, the hostile node's too, was validly signed. */
export function meshSignatureFailures(nodes: readonly ChordSocket[]): number {
  return nodes.reduce((sum, n) => {
    const metric = n.metrics().metrics.find((m) => m.name === 'p2p_signature_failures_total');
    return sum + (metric && metric.kind !== 'histogram' ? metric.series.reduce((x, s) => x + s.value, 0) : 0);
  }, 0);
}

/** Collects every `error` event of `nodes` (codes and errors), from now on. */
export function errorsOf(nodes: readonly ChordSocket[]): P2PError[] {
  const seen: P2PError[] = [];
  for (const n of nodes) n.on('error', (error) => seen.push(error));
  return seen;
}

export { HASH_METHODS };
