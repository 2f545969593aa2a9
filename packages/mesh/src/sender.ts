/**
 * Everything this node originates goes through here: one pack-and-remember (one timestamp per
 * logical send, F21; a broadcast's id remembered so its echo is ignored, 4.6), then written on
 * one link, on every filed peer (packed once, compressed once per method), or relayed as received.
 */
import { CompressionFlags, FrameTooLargeError, MainFlags, SubFlags, frameHeader, packPacket, type WireMessage } from '@p2p/base';
import type { MeshContext } from './context';
import type { SentMessage } from './extension';
import { FRAME_OVERHEAD_BYTES, type FrameCache, type Link } from './link';
import type { ReceivedBody } from './received-body';
import { WILDCARD_BIN, handshakeFields } from './payloads';
import type { PeerTable } from './peer-table';
import type { Waterfall } from './waterfall';

/** The 32-byte checksum that precedes the packed packet in a frame body (PROTOCOL.md 1.2). */
const CHECKSUM_BYTES = 32;

/** A packed message of this node. */
export interface Packed {
  readonly packed: Uint8Array;
  readonly id: Uint8Array;
  readonly time: number;
}

export class Sender {
  readonly #ctx: MeshContext;
  readonly #table: PeerTable;
  readonly #waterfall: Waterfall;

  constructor(ctx: MeshContext, table: PeerTable, waterfall: Waterfall) {
    this.#ctx = ctx;
    ctx.writes.onDrain(() => ctx.emit('drain'));
    this.#table = table;
    this.#waterfall = waterfall;
  }

  /**
   * Packs `flag / type [...packets]` as this node, now, and remembers its id when it is a
   * broadcast. Only broadcasts are checked against the waterfall (PROTOCOL.md 4.8), and no
   * broadcast can have a whisper's id (the main flag is part of the hashed bytes), so
   * remembering whispers and renegotiations would only push broadcasts out of the bounded set.
   * A body that would
   * exceed `maxFrameBytes` once framed (uncompressed, as a receiver's decompression cap sees it)
   * throws before anything is written, so the receiving side never drops the link for it.
   * @throws EncodeError, FrameTooLargeError (`FRAME_TOO_LARGE`)
   */
  pack(flag: number, type: number, packets: readonly unknown[]): Packed {
    const time = this.#ctx.nowSeconds();
    const fields = { type: flag, sender: this.#ctx.id, time, payload: [type, ...packets] };
    // Authenticated subnets: the originator's signature (message-signing.ts).
    const { packed, id } = this.#ctx.signer ? this.#ctx.signer.pack(fields) : packPacket(fields);
    const max = this.#ctx.limits.maxFrameBytes;
    if (packed.length + CHECKSUM_BYTES > max) {
      throw new FrameTooLargeError(`message of ${packed.length + CHECKSUM_BYTES} bytes exceeds maxFrameBytes (${max}); nothing was sent`, {
        details: { bytes: packed.length + CHECKSUM_BYTES, maxFrameBytes: max },
      });
    }
    if (flag === MainFlags.broadcast) this.#waterfall.remember(id, time, time);
    return { packed, id, time };
  }

  /** True when a broadcast with the id at `bytes[at..at+32]` was accepted or sent here and is still remembered: its frames can be dropped undecoded. */
  seen(bytes: Uint8Array, at: number): boolean {
    return this.#waterfall.seen(bytes, at);
  }

  /** Sends on one link; `fast` is false under backpressure. */
  sendTo(link: Link, flag: number, type: number, packets: readonly unknown[]): SentMessage & { fast: boolean } {
    const { packed, id, time } = this.pack(flag, type, packets);
    const open = !link.closed;
    const fast = link.writePacked(packed, id, flag);
    this.#ctx.metrics.sent(flag, type, open ? 1 : 0);
    return { id, time, written: open ? 1 : 0, fast, full: this.#ctx.writes.full };
  }

  /**
   * Sends to every filed peer, packed once (F21). Everything is encoded and checked against the
   * node's write budget before anything is written. `full`: some peer is over
   * `writeHighWaterBytes` (pace with the socket's `drain` / `drained()`).
   * @throws LimitExceededError when `maxNodeWriteBytes` has no room for a copy per peer
   */
  sendToAll(flag: number, type: number, packets: readonly unknown[]): SentMessage {
    const { packed, id, time } = this.pack(flag, type, packets);
    const links = [...this.#table.routed()];
    this.#ctx.writes.assertRoom((packed.length + FRAME_OVERHEAD_BYTES) * links.length);
    const cache: FrameCache = new Map();
    let written = 0;
    for (const link of links) {
      if (link.closed) continue;
      link.writePacked(packed, id, flag, { cache });
      written++;
    }
    this.#ctx.metrics.sent(flag, type, written);
    return { id, time, written, full: this.#ctx.writes.full };
  }

  /**
   * Forwards a received broadcast's original bytes (PROTOCOL.md 4.8) to every filed peer
   * except its originator and the neighbour it came from (F17), compressing once per method.
   */
  relay(wire: WireMessage, from: Link | undefined): void {
    const cache: FrameCache = new Map();
    const received = forwardable(wire);
    let relayed = 0;
    for (const link of this.#table.routed()) {
      if (link === from || link.peerId === wire.sender) continue;
      const skipped = this.#ctx.writes.droppedWrites;
      const fast = link.writePacked(wire.packed, wire.id, wire.type, { cache, relay: true, received });
      // Not counted: a relay skipped for a peer over maxWriteBufferBytes (counted in droppedWrites).
      if ((fast || !link.closed) && this.#ctx.writes.droppedWrites === skipped) relayed++;
    }
    this.#ctx.metrics.relayed(wire, relayed);
  }

  /** This node's handshake (PROTOCOL.md 4.2), always uncompressed. */
  handshake(link: Link): void {
    const { id, compression } = this.#ctx;
    // The protocol id and address of this link's transport (listeners.ts).
    const { protocol, outAddr } = this.#ctx.faces?.of(link) ?? this.#ctx;
    const { packed, id: msgId } = this.pack(MainFlags.whisper, SubFlags.handshake, handshakeFields(id, protocol.id, outAddr, compression));
    link.writePacked(packed, msgId, MainFlags.whisper, { uncompressed: true });
    this.#ctx.metrics.sent(MainFlags.whisper, SubFlags.handshake, 1);
    this.#ctx.logger.debug(`handshake sent on ${link}: ${protocol.id} ${outAddr.join(':')} compression [${compression.join(', ')}]`);
  }

  /** `whisper / request ["*"]` (PROTOCOL.md 4.9, `*` as bin, F13): asks the peer for its peers list. */
  requestPeers(link: Link): void {
    this.sendTo(link, MainFlags.whisper, SubFlags.request, [WILDCARD_BIN]);
  }

  /** `whisper / peers [...]`: every filed peer with a known address this link can dial, in random order. */
  peers(link: Link): void {
    // Only peers this link's transport can dial (listeners.ts, `offerable`).
    const faces = this.#ctx.faces;
    const entries = this.#table.peersList((peer) => !faces || faces.offers(link, peer));
    this.sendTo(link, MainFlags.whisper, SubFlags.peers, [entries]);
  }
}

/**
 * The received body of `wire` when another link may take it as it is: raw, or snappy (one
 * format per flag). Not zlib or gzip, which py2p accepts under either flag and js2p does not.
 */
function forwardable(wire: WireMessage): ReceivedBody | undefined {
  const { body, compression } = wire;
  if (body === undefined || (compression !== null && compression !== CompressionFlags.snappy)) return undefined;
  return { header: frameHeader(body.length), body, compression };
}
