// Real WebSockets on 127.0.0.1 (@p2p/test-kit's harness, plus raw `ws` clients): everything a
// test opens through the harness is closed by `close()`, so every test leaves nothing running.
import type * as net from 'node:net';
import { WebSocket } from 'ws';
import { TransportHarness } from '@p2p/test-kit';

export { closed, readBytes, waitFor, type ListenerProbe } from '@p2p/test-kit';

/** Resolves when a raw socket or a raw `ws` client closes. */
export function gone(socket: net.Socket | WebSocket, timeoutMs = 5_000): Promise<void> {
  const done = socket instanceof WebSocket ? socket.readyState === WebSocket.CLOSED : socket.destroyed;
  if (done) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('socket did not close in time')), timeoutMs);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

export class Harness extends TransportHarness {
  /** A plain `ws` client (to play js2p, or a misbehaving peer), open. */
  rawClient(url: string, options: ConstructorParameters<typeof WebSocket>[2] = {}): Promise<WebSocket> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, options);
      this.defer(() => ws.terminate());
      ws.once('open', () => resolve(ws));
      ws.once('error', reject);
    });
  }
}

/** Reads a raw socket until `pattern` shows up in what it received (as latin1 text). */
export function readUntil(socket: net.Socket, pattern: string, timeoutMs = 5_000): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => reject(new Error(`no ${JSON.stringify(pattern)} in ${JSON.stringify(text)}`)), timeoutMs);
    const onData = (chunk: Buffer): void => {
      text += chunk.toString('latin1');
      if (text.includes(pattern)) {
        clearTimeout(timer);
        socket.off('data', onData);
        resolve(text);
      }
    };
    socket.on('data', onData);
  });
}

/** A minimal client upgrade request (RFC 6455 4.1) for `path`. */
export function upgradeRequest(port: number, path = '/'): string {
  return [
    `GET ${path} HTTP/1.1`,
    `Host: 127.0.0.1:${port}`,
    'Upgrade: websocket',
    'Connection: Upgrade',
    'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
    'Sec-WebSocket-Version: 13',
    '',
    '',
  ].join('\r\n');
}
