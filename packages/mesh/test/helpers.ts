/** Shared test helpers: node factory with cleanup, a raw TCP peer, fixtures. */
import * as net from 'node:net';
import { afterEach } from 'vitest';
import {
  FrameReader,
  decodeFrameBody,
  encodeFrame,
  type Message,
  type P2PError,
  type PacketFields,
  type WireMessage,
} from '@p2p/base';
import { MeshSocket, type MeshSocketOptions } from '@p2p/mesh';
import { closeAfterEach, nextEvent, readVector, typedVector } from '@p2p/testnet';

/** Registers anything closable for teardown after the current test. */
export const track = closeAfterEach(afterEach);

/** A listening MeshSocket on 127.0.0.1:0, closed after the test. */
export async function node(options: MeshSocketOptions = {}): Promise<MeshSocket> {
  return track(await MeshSocket.listen(options));
}

/** The next `message` event of `socket` (optionally the next one passing `filter`). */
export async function nextMessage(
  socket: MeshSocket,
  filter?: (m: Message) => boolean,
  timeout = 5000,
): Promise<Message> {
  const [m] = await nextEvent<[Message]>(socket, 'message', { timeout, filter: filter && ((m) => filter(m)) });
  return m;
}

/** The next `error` event of `socket` with `code`. */
export async function nextError(socket: MeshSocket, code: string, timeout = 5000): Promise<P2PError> {
  const [e] = await nextEvent<[P2PError]>(socket, 'error', { timeout, filter: (e) => e.code === code });
  return e;
}

/** Reads one of the py2p golden vectors (tooling/testnet/vectors). */
export const fixture = <T = any>(name: string): T => readVector<T>(name);

/** Turns the vectors' typed JSON ({bin}, {int}, {map}) into msgpack-ready values. */
export const typed = typedVector;

export interface RawFrame {
  wire: WireMessage;
  /** Compression flag that decoded it, null for raw. */
  compression: number | null;
  bytes: number;
}

/**
 * A hand-driven TCP peer: writes arbitrary bytes, decodes what comes back (any compression),
 * and reports when the other side closes.
 */
export class RawPeer {
  readonly socket: net.Socket;
  readonly frames: RawFrame[] = [];
  readonly closed: Promise<void>;
  #reader = new FrameReader();
  #waiters: Array<() => void> = [];
  #cursor = 0;

  private constructor(socket: net.Socket) {
    this.socket = socket;
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()));
    socket.on('error', () => {});
    socket.on('data', (chunk) => {
      for (const body of this.#reader.push(chunk)) {
        const wire = decodeFrameBody(body, { candidates: [null, 0x13, 0x11, 0x20] });
        this.frames.push({ wire, compression: formatOf(body, wire.compression), bytes: body.length + 4 });
      }
      const waiters = this.#waiters;
      this.#waiters = [];
      for (const w of waiters) w();
    });
    socket.on('close', () => {
      for (const w of this.#waiters) w();
    });
  }

  static connect(host: string, port: number): Promise<RawPeer> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host, port }, () => resolve(track(new RawPeer(socket))));
      socket.once('error', reject);
    });
  }

  /** Wraps an accepted socket (for a raw listener). */
  static wrap(socket: net.Socket): RawPeer {
    return track(new RawPeer(socket));
  }

  write(bytes: Uint8Array): void {
    this.socket.write(bytes);
  }

  send(fields: PacketFields, compression: number | null = null): void {
    this.write(encodeFrame(fields, { compression }));
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

  /** Skips frames until one whose sub-flag is `sub` (and main flag `type`, if given). */
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
}

/** A fake-ish clock: real timers, but `now` shifted by `offsetMs`. */
export function shiftedClock(offsetMs: number) {
  return {
    now: () => Date.now() + offsetMs,
    setTimeout: (fn: () => void, ms: number) => {
      const t = setTimeout(fn, ms);
      t.unref();
      return t;
    },
    clearTimeout: (t: unknown) => clearTimeout(t as NodeJS.Timeout),
  };
}

/** zlib and gzip both decode under either flag; tell them apart by their magic bytes. */
function formatOf(body: Uint8Array, decodedWith: number | null): number | null {
  if (decodedWith === 0x11 || decodedWith === 0x13) return body[0] === 0x1f && body[1] === 0x8b ? 0x11 : 0x13;
  return decodedWith;
}
