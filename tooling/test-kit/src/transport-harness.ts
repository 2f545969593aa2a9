// A harness for real transports on 127.0.0.1: listeners and connections it hands out are
// closed by `close()`, so every test leaves nothing running. Transport packages extend it with
// their own raw clients and servers.
import * as net from 'node:net';
import type { Endpoint, P2PError, Transport, TransportConnection, TransportListener } from '@p2p/base';

export interface ListenerProbe {
  readonly listener: TransportListener;
  readonly port: number;
  readonly connections: TransportConnection[];
  readonly errors: { error: P2PError; remote: Endpoint | undefined }[];
  nextConnection(timeoutMs?: number): Promise<TransportConnection>;
  nextError(timeoutMs?: number): Promise<{ error: P2PError; remote: Endpoint | undefined }>;
}

/** Resolves when `check` returns a value other than undefined; rejects after `timeoutMs`. */
export async function waitFor<T>(check: () => T | undefined, timeoutMs = 5_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Collects `data` of a connection until `n` bytes arrived. */
export function readBytes(connection: TransportConnection, n: number, timeoutMs = 5_000): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const chunks: Uint8Array[] = [];
    let have = 0;
    const timer = setTimeout(() => reject(new Error(`read ${have}/${n} bytes before timing out`)), timeoutMs);
    const off = connection.on('data', (chunk) => {
      chunks.push(chunk);
      have += chunk.length;
      if (have >= n) {
        clearTimeout(timer);
        off();
        resolve(Buffer.concat(chunks).subarray(0, n));
      }
    });
  });
}

/** Resolves with the close error (or undefined) once the connection closes. */
export function closed(connection: TransportConnection, timeoutMs = 5_000): Promise<P2PError | undefined> {
  if (connection.closed) return Promise.resolve(undefined);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('connection did not close in time')), timeoutMs);
    connection.on('close', (error) => {
      clearTimeout(timer);
      resolve(error);
    });
  });
}

/** Resolves when a raw socket closes. */
export function socketClosed(socket: net.Socket, timeoutMs = 5_000): Promise<void> {
  if (socket.destroyed) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('socket did not close in time')), timeoutMs);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/**
 * Listeners, connections and raw sockets opened through it on 127.0.0.1, all closed by
 * `close()`; `defer` adds what a subclass opens itself.
 */
export class TransportHarness {
  readonly #listeners: TransportListener[] = [];
  readonly #connections: TransportConnection[] = [];
  readonly #sockets: net.Socket[] = [];
  readonly #cleanups: (() => unknown)[] = [];

  async listen(transport: Transport): Promise<ListenerProbe> {
    const connections: TransportConnection[] = [];
    const errors: { error: P2PError; remote: Endpoint | undefined }[] = [];
    const listener = await transport.listen({
      host: '127.0.0.1',
      port: 0,
      onConnection: (c) => {
        this.#connections.push(c);
        connections.push(c);
      },
      onError: (error, remote) => errors.push({ error, remote }),
    });
    this.#listeners.push(listener);
    let seenConnections = 0;
    let seenErrors = 0;
    return {
      listener,
      port: listener.address.port,
      connections,
      errors,
      nextConnection: (ms = 5_000) => waitFor(() => connections[seenConnections], ms, 'a connection').then((c) => (seenConnections++, c)),
      nextError: (ms = 5_000) => waitFor(() => errors[seenErrors], ms, 'an onError call').then((e) => (seenErrors++, e)),
    };
  }

  async dial(transport: Transport, port: number, extra: { timeout?: number; signal?: AbortSignal } = {}): Promise<TransportConnection> {
    const c = await transport.dial({ host: '127.0.0.1', port, ...extra });
    this.#connections.push(c);
    return c;
  }

  /** A plain TCP client socket (for garbage, stalls, hand-written handshakes). */
  rawConnect(port: number): Promise<net.Socket> {
    return new Promise((resolve, reject) => {
      const s = net.connect({ host: '127.0.0.1', port }, () => resolve(s));
      s.on('error', reject);
      this.#sockets.push(s);
    });
  }

  /** Destroys `socket` on close(). */
  track(socket: net.Socket): void {
    this.#sockets.push(socket);
  }

  /** Runs `cleanup` on close(), after connections and sockets are destroyed. */
  defer(cleanup: () => unknown): void {
    this.#cleanups.push(cleanup);
  }

  async close(): Promise<void> {
    for (const c of this.#connections) c.destroy();
    for (const s of this.#sockets) s.destroy();
    await Promise.all([...this.#listeners.map((l) => l.close()), ...this.#cleanups.map((c) => c())]);
  }
}
