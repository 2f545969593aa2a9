/** Shared test helpers: sync nodes with cleanup, a settable clock, a raw TCP peer, fixtures. */
import * as net from 'node:net';
import { afterEach } from 'vitest';
import {
  FrameReader,
  MainFlags,
  SubFlags,
  decodeFrameBody,
  encodeFrame,
  utf8Encode,
  type Clock,
  type P2PError,
  type PacketFields,
  type WireMessage,
} from '@p2p/base';
import { closeAfterEach, nextEvent, readVector, typedVector } from '@p2p/testnet';
import { SyncSocket, type SyncSocketOptions } from '@p2p/sync';

/** Registers anything closable for teardown after the current test. */
export const track = closeAfterEach(afterEach);

/** A listening SyncSocket on 127.0.0.1:0, closed after the test. */
export async function syncNode(options: SyncSocketOptions = {}): Promise<SyncSocket> {
  return track(await SyncSocket.listen(options));
}

/** The next `error` event of `socket` with `code`. */
export async function nextError(socket: SyncSocket, code: string, timeout = 5000): Promise<P2PError> {
  const [e] = await nextEvent<[P2PError]>(socket, 'error', { timeout, filter: (e) => e.code === code });
  return e;
}

/** A clock with real timers whose `now` can be shifted or frozen. */
export interface TestClock extends Clock {
  /** Shifts `now` by `ms` from the real time (unfreezes). */
  shift(ms: number): void;
  /** Pins `now` at `ms` since the epoch. */
  freeze(ms: number): void;
}

export function testClock(offsetMs = 0): TestClock {
  let offset = offsetMs;
  let frozen: number | undefined;
  return {
    now: () => frozen ?? Date.now() + offset,
    setTimeout: (fn, ms) => {
      const t = setTimeout(fn, ms);
      t.unref();
      return t;
    },
    clearTimeout: (t) => clearTimeout(t as NodeJS.Timeout),
    shift(ms) {
      frozen = undefined;
      offset = ms;
    },
    freeze(ms) {
      frozen = ms;
    },
  };
}

/** Reads one of the py2p golden vectors (tooling/testnet/vectors). */
export const fixture = <T = any>(name: string): T => readVector<T>(name);

/** Turns the vectors' typed JSON ({bin}, {int}, {map}) into msgpack-ready values. */
export const typed = typedVector;

/** A valid base58 node id for hand-made peers (py2p's B from traffic-sync.json). */
export const RAW_ID = '9iqkMyPFDE4YTCDeYK9e5V53JjA3UqWmwifYZ9dBY6Km5gVVzEyeVJuad8HMWtYTun';

/**
 * A hand-driven TCP peer: writes frames, decodes what comes back (any compression), and
 * reports when the other side closes.
 */
export class RawPeer {
  readonly socket: net.Socket;
  readonly frames: WireMessage[] = [];
  readonly closed: Promise<void>;
  readonly id: string;
  #reader = new FrameReader();
  #cursor = 0;
  #wake: (() => void) | undefined;

  private constructor(socket: net.Socket, id: string) {
    this.socket = socket;
    this.id = id;
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()));
    socket.on('error', () => {});
    socket.on('data', (chunk) => {
      for (const body of this.#reader.push(chunk)) this.frames.push(decodeFrameBody(body, { candidates: [null, 0x13, 0x11, 0x20] }));
      this.#wake?.();
    });
    socket.on('close', () => this.#wake?.());
  }

  static connect(port: number, id = RAW_ID): Promise<RawPeer> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host: '127.0.0.1', port }, () => resolve(track(new RawPeer(socket, id))));
      socket.once('error', reject);
    });
  }

  /**
   * Connects and completes a mesh handshake with `protocolId` (advertising no compression, so
   * replies come uncompressed); resolves once the node's peers reply arrived.
   */
  static async handshake(node: SyncSocket, options: { id?: string; time?: number } = {}): Promise<RawPeer> {
    const peer = await RawPeer.connect(node.outAddr[1], options.id);
    await peer.nextWhere((f) => f.payload[0] === SubFlags.handshake);
    const time = options.time ?? Math.floor(Date.now() / 1000);
    peer.send({
      type: MainFlags.whisper,
      sender: peer.id,
      time,
      payload: [SubFlags.handshake, utf8Encode(peer.id), node.protocol.idBytes(), ['127.0.0.1', 1], []],
    });
    await peer.nextWhere((f) => f.payload[0] === SubFlags.peers);
    return peer;
  }

  write(bytes: Uint8Array): void {
    this.socket.write(bytes);
  }

  send(fields: PacketFields): void {
    this.write(encodeFrame(fields));
  }

  /** Sends `flag / store-or-other [...]` as this peer, now. */
  sendPayload(flag: number, payload: unknown[], time = Math.floor(Date.now() / 1000)): void {
    this.send({ type: flag, sender: this.id, time, payload });
  }

  /** The next frame not yet returned. */
  async next(timeout = 5000): Promise<WireMessage> {
    const deadline = Date.now() + timeout;
    while (this.#cursor >= this.frames.length) {
      if (this.socket.destroyed) throw new Error('raw peer: closed while waiting for a frame');
      const left = deadline - Date.now();
      if (left <= 0) throw new Error('raw peer: no frame in time');
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.#wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
    }
    return this.frames[this.#cursor++]!;
  }

  async nextWhere(pred: (f: WireMessage) => boolean, timeout = 5000): Promise<WireMessage> {
    const deadline = Date.now() + timeout;
    for (;;) {
      const f = await this.next(Math.max(1, deadline - Date.now()));
      if (pred(f)) return f;
    }
  }

  close(): void {
    this.socket.destroy();
  }
}

/** Text of a key's bytes. */
export const text = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);
