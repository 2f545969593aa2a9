/** A hand-driven TCP peer speaking the frame format, for wire and bad-input tests. */
import * as net from 'node:net';
import { FrameReader, Protocol, decodeFrameBody, encodeFrame, makeNodeId, utf8Encode, type WireMessage } from '@p2p/base';
import { track } from './helpers';

export class RawPeer {
  readonly id = makeNodeId({ outAddr: ['127.0.0.1', 1], protocolId: new Protocol('chord', 'Plaintext').id, salt: String(Math.random()) });
  readonly frames: WireMessage[] = [];
  readonly closed: Promise<void>;
  #reader = new FrameReader();

  private constructor(readonly socket: net.Socket) {
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()));
    socket.on('error', () => {});
    socket.on('data', (chunk) => {
      for (const body of this.#reader.push(chunk)) this.frames.push(decodeFrameBody(body, { candidates: [null, 0x13, 0x11, 0x20] }));
    });
  }

  static connect(port: number): Promise<RawPeer> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host: '127.0.0.1', port }, () => resolve(track(new RawPeer(socket))));
      socket.once('error', reject);
    });
  }

  /** Sends our handshake (no compression, so replies stay readable) and, optionally, meta. */
  handshake(meta?: '0' | '1'): void {
    const protocolId = new Protocol('chord', 'Plaintext').id;
    this.send(2, [5, utf8Encode(this.id), utf8Encode(protocolId), ['127.0.0.1', 1], []]);
    if (meta) this.send(2, [5, meta]);
  }

  send(type: number, payload: unknown[]): void {
    this.socket.write(encodeFrame({ type, sender: this.id, time: Math.floor(Date.now() / 1000), payload }));
  }

  close(): void {
    this.socket.destroy();
  }
}
