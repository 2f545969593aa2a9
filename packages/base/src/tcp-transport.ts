/** The built-in 'Plaintext' transport: TCP via node:net (IPv4 or IPv6, whatever the host says). */
import * as net from 'node:net';
import { networkInterfaces } from 'node:os';
import { withDeadline } from './abort';
import {
  ConnectFailedError,
  ConnectionLostError,
  ListenFailedError,
  P2PError,
} from './errors';
import {
  TransportConnectionBase,
  type DialOptions,
  type Endpoint,
  type ListenOptions,
  type Transport,
  type TransportListener,
} from './transport';

/** TCP keepalive probes start after this much idle time (PROTOCOL.md 4.10, F5). */
const KEEPALIVE_MS = 30_000;

/**
 * A {@link TransportConnection} over a Node `net.Socket` (a `tls.TLSSocket` works too, which is
 * how `@p2p/ssl` reuses it).
 */
export class NetSocketConnection extends TransportConnectionBase {
  readonly remote: Endpoint;
  readonly local: Endpoint;
  readonly encrypted: boolean;
  readonly #socket: net.Socket;
  #ending = false;

  constructor(socket: net.Socket, options: { encrypted?: boolean; info?: Record<string, unknown> } = {}) {
    super();
    this.#socket = socket;
    this.encrypted = options.encrypted ?? false;
    this.info = Object.freeze({ ...(options.info ?? {}) });
    this.remote = Object.freeze({ host: socket.remoteAddress ?? '', port: socket.remotePort ?? 0 });
    this.local = Object.freeze({ host: socket.localAddress ?? '', port: socket.localPort ?? 0 });
    socket.setNoDelay(true);
    socket.setKeepAlive(true, KEEPALIVE_MS);
    let failure: P2PError | undefined;
    socket.on('data', (chunk: Buffer) => this.pushData(chunk));
    socket.on('drain', () => this.pushDrain());
    socket.on('error', (err: NodeJS.ErrnoException) => {
      failure ??= new ConnectionLostError(`connection to ${this.remote.host}:${this.remote.port} failed: ${err.message}`, {
        cause: err,
        details: { code: err.code, remote: this.remote },
      });
    });
    // A peer's FIN ends our side too: the protocol has no half-open use. The connection is over
    // for its owner at once (nothing more can arrive, nothing written now could be read), so
    // `closed` turns true and a send throws instead of vanishing while what was already written
    // flushes, for at most end()'s grace period (a peer that stopped reading cannot hold it).
    socket.on('end', () => {
      this.end();
      this.pushClose(failure);
    });
    socket.on('close', () => this.pushClose(failure));
    if (socket.destroyed) queueMicrotask(() => this.pushClose(failure));
  }

  get writableLength(): number {
    return this.#socket.writableLength;
  }

  write(data: Uint8Array): boolean {
    if (this.closed || this.#socket.destroyed || this.#socket.writableEnded) return false;
    return this.#socket.write(data);
  }

  end(): void {
    if (this.#ending) return;
    this.#ending = true;
    if (!this.#socket.destroyed) this.#socket.end();
    // Do not wait forever for a peer that never reads: force it after a grace period.
    const t = setTimeout(() => this.#socket.destroy(), 2_000);
    t.unref();
    this.#socket.once('close', () => clearTimeout(t));
  }

  destroy(error?: P2PError): void {
    this.#socket.destroy();
    if (error) queueMicrotask(() => this.pushClose(error));
  }
}

class NetListener implements TransportListener {
  readonly address: Endpoint;
  readonly #server: net.Server;
  #closing: Promise<void> | undefined;

  constructor(server: net.Server) {
    this.#server = server;
    const a = server.address() as net.AddressInfo;
    this.address = Object.freeze({ host: a.address, port: a.port });
  }

  close(): Promise<void> {
    this.#closing ??= new Promise((resolve) => this.#server.close(() => resolve()));
    return this.#closing;
  }
}

/** Starts a `net.Server` (or a `tls.Server`) and resolves once it is bound. */
export function listenNetServer(server: net.Server, options: ListenOptions): Promise<TransportListener> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException): void => {
      reject(
        new ListenFailedError(`cannot listen on ${options.host}:${options.port}: ${err.message}`, {
          cause: err,
          details: { code: err.code, host: options.host, port: options.port },
        }),
      );
    };
    server.once('error', onError);
    server.listen({ host: options.host, port: options.port }, () => {
      server.off('error', onError);
      // Errors after bind (EMFILE on accept, ...) must not crash the process.
      server.on('error', (err) => options.onError?.(new ListenFailedError(err.message, { cause: err }), undefined));
      resolve(new NetListener(server));
    });
  });
}

/** Dials with `connect` and maps failures, timeouts and aborts to typed errors. */
export function dialNetSocket(
  options: DialOptions,
  connect: () => net.Socket,
  readyEvent: 'connect' | 'secureConnect',
  wrap: (socket: net.Socket) => TransportConnectionBase,
): Promise<TransportConnectionBase> {
  return withDeadline(
    (signal) =>
      new Promise<TransportConnectionBase>((resolve, reject) => {
        const socket = connect();
        const cleanup = (): void => {
          socket.off('error', onError);
          socket.off(readyEvent, onReady);
          signal.removeEventListener('abort', onAbort);
        };
        const onError = (err: NodeJS.ErrnoException): void => {
          cleanup();
          socket.destroy();
          reject(
            err instanceof P2PError
              ? err
              : new ConnectFailedError(`cannot connect to ${options.host}:${options.port}: ${err.message}`, {
                  cause: err,
                  details: { code: err.code, host: options.host, port: options.port },
                }),
          );
        };
        const onReady = (): void => {
          cleanup();
          resolve(wrap(socket));
        };
        const onAbort = (): void => {
          cleanup();
          socket.destroy();
          reject(signal.reason);
        };
        socket.once('error', onError);
        socket.once(readyEvent, onReady);
        signal.addEventListener('abort', onAbort, { once: true });
      }),
    { ...options, what: `connect to ${options.host}:${options.port}` },
  );
}

/** Builds the TCP transport. Registered for 'Plaintext' by default. */
export function tcpTransport(): Transport {
  return {
    encryption: 'Plaintext',
    listen(options) {
      const server = net.createServer({ noDelay: true, keepAlive: true, keepAliveInitialDelay: KEEPALIVE_MS }, (socket) => {
        options.onConnection(new NetSocketConnection(socket));
      });
      return listenNetServer(server, options);
    },
    dial(options) {
      return dialNetSocket(
        options,
        () => net.connect({ host: options.host, port: options.port }),
        'connect',
        (socket) => new NetSocketConnection(socket),
      );
    },
  };
}

/**
 * This machine's first non-internal IPv4 address, which a node bound to 0.0.0.0 advertises as
 * its outward address (as py2p does); 127.0.0.1 when there is none.
 */
export function lanAddress(): string {
  for (const addrs of Object.values(networkInterfaces())) {
    for (const a of addrs ?? []) {
      if (a.family === 'IPv4' && !a.internal) return a.address;
    }
  }
  return '127.0.0.1';
}
