/**
 * A hand-driven TCP peer for wire and bad-input tests: it writes arbitrary bytes or frames,
 * decodes whatever comes back (under any compression), and reports when the other side closes.
 * The one raw peer every package's tests use.
 */
import * as net from 'node:net';
import {
  FrameReader,
  MainFlags,
  SubFlags,
  decodeFrameBody,
  encodeFrame,
  utf8Encode,
  type PacketFields,
  type WireMessage,
} from '@p2p/base';

/** A frame as the raw peer received it. */
export interface RawFrame {
  wire: WireMessage;
  /** The compression of the body: 0x11 gzip, 0x13 zlib (told apart by magic bytes), 0x20 snappy, null raw. */
  compression: number | null;
  /** Bytes on the wire, header included. */
  bytes: number;
}

/** A valid base58 node id for hand-made peers (py2p's B from traffic-sync.json). */
export const RAW_ID = '9iqkMyPFDE4YTCDeYK9e5V53JjA3UqWmwifYZ9dBY6Km5gVVzEyeVJuad8HMWtYTun';

/** What {@link RawPeer.handshake} needs of the node it talks to. */
export interface HandshakeTarget {
  readonly outAddr: readonly [string, number];
  readonly protocol: { idBytes(): Uint8Array };
}

export interface RawHandshakeOptions {
  /** The id to claim. @default the peer's own id */
  id?: string;
  /** Packet time of the handshake. @default now */
  time?: number;
  /** The address advertised in the handshake. @default ['127.0.0.1', 1] */
  addr?: [string, number];
  /** Compression methods offered. @default none, so replies stay readable */
  compression?: number[];
}

const CANDIDATES = [null, 0x13, 0x11, 0x20];

export class RawPeer {
  readonly socket: net.Socket;
  readonly id: string;
  readonly frames: RawFrame[] = [];
  readonly closed: Promise<void>;
  #reader = new FrameReader();
  #waiters: Array<() => void> = [];
  #cursor = 0;

  private constructor(socket: net.Socket, id: string) {
    this.socket = socket;
    this.id = id;
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()));
    socket.on('error', () => {});
    socket.on('data', (chunk) => {
      for (const body of this.#reader.push(chunk)) {
        const wire = decodeFrameBody(body, { candidates: CANDIDATES });
        this.frames.push({ wire, compression: formatOf(body, wire.compression), bytes: body.length + 4 });
      }
      this.#wakeAll();
    });
    socket.on('close', () => this.#wakeAll());
  }

  /** Opens a TCP connection to `host:port` (127.0.0.1 unless told). */
  static connect(port: number, options: { host?: string; id?: string } = {}): Promise<RawPeer> {
    const { host = '127.0.0.1', id = RAW_ID } = options;
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host, port }, () => resolve(new RawPeer(socket, id)));
      socket.once('error', reject);
    });
  }

  /** Wraps an accepted socket (for a raw listener). */
  static wrap(socket: net.Socket, id = RAW_ID): RawPeer {
    return new RawPeer(socket, id);
  }

  /**
   * Connects to `node`, waits for its handshake, answers with a mesh handshake for the node's
   * protocol, and resolves once the node's peers reply arrived (the link is then open).
   */
  static async handshake(node: HandshakeTarget, options: RawHandshakeOptions = {}): Promise<RawPeer> {
    const peer = await RawPeer.connect(node.outAddr[1], { host: node.outAddr[0], id: options.id });
    try {
      await peer.nextWhere((f) => f.wire.payload[0] === SubFlags.handshake);
      peer.sendHandshake(node.protocol.idBytes(), options);
      await peer.nextWhere((f) => f.wire.payload[0] === SubFlags.peers);
    } catch (err) {
      peer.close();
      throw err;
    }
    return peer;
  }

  /** Writes a mesh handshake for `protocolId` (PROTOCOL.md 4.2). */
  sendHandshake(protocolId: Uint8Array | string, options: RawHandshakeOptions = {}): void {
    const id = options.id ?? this.id;
    const pid = typeof protocolId === 'string' ? utf8Encode(protocolId) : protocolId;
    this.sendPayload(
      MainFlags.whisper,
      [SubFlags.handshake, utf8Encode(id), pid, options.addr ?? ['127.0.0.1', 1], options.compression ?? []],
      options.time,
      id,
    );
  }

  write(bytes: Uint8Array): void {
    this.socket.write(bytes);
  }

  /** Writes one frame, compressed with `compression` when given. */
  send(fields: PacketFields, compression: number | null = null): void {
    this.write(encodeFrame(fields, { compression }));
  }

  /** Sends `flag [...payload]` as this peer (or as `sender`), dated `time` (default now). */
  sendPayload(flag: number, payload: unknown[], time = Math.floor(Date.now() / 1000), sender = this.id): void {
    this.send({ type: flag, sender, time, payload });
  }

  /** The next frame not yet returned by `next`. */
  async next(timeout = 5000): Promise<RawFrame> {
    const deadline = Date.now() + timeout;
    while (this.#cursor >= this.frames.length) {
      if (this.socket.destroyed) throw new Error('raw peer: closed while waiting for a frame');
      const left = deadline - Date.now();
      if (left <= 0) throw new Error('raw peer: no frame in time');
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    return this.frames[this.#cursor++]!;
  }

  /** Skips frames until one passes `pred`. */
  async nextWhere(pred: (f: RawFrame) => boolean, timeout = 5000): Promise<RawFrame> {
    const deadline = Date.now() + timeout;
    for (;;) {
      const f = await this.next(Math.max(1, deadline - Date.now()));
      if (pred(f)) return f;
    }
  }

  close(): void {
    this.socket.destroy();
  }

  #wakeAll(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w();
  }
}

/** zlib and gzip both decode under either flag; tell them apart by their magic bytes. */
function formatOf(body: Uint8Array, decodedWith: number | null): number | null {
  if (decodedWith === 0x11 || decodedWith === 0x13) return body[0] === 0x1f && body[1] === 0x8b ? 0x11 : 0x13;
  return decodedWith;
}
