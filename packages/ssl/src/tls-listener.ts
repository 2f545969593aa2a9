/**
 * The accepting side: a `tls.Server` bound through base's `listenNetServer`, plus what py2p
 * lacks (PROTOCOL.md 7, F18): every handshake runs on its own with an absolute deadline, and a
 * failed one is reported to `onError` as `TLS_ERROR` and never reaches the process.
 */
import type * as net from 'node:net';
import * as tls from 'node:tls';
import {
  listenNetServer,
  type Endpoint,
  type ListenOptions,
  type Logger,
  type P2PError,
  type TimerHandle,
  type TransportConnection,
  type TransportListener,
} from '@p2p/base';
import type { GeneratedCertificate } from './certificate';
import type { ResolvedTlsOptions } from './options';
import { checkPeer } from './peer-check';
import { connectionOf, peerCertificate } from './tls-connection';
import { handshakeError, handshakeTimeoutError } from './tls-errors';

/** One accepted TCP connection whose TLS handshake has not finished. */
interface Pending {
  readonly raw: net.Socket;
  readonly key: string;
  readonly remote: Endpoint;
  timer: TimerHandle | undefined;
  done: boolean;
}

const keyOf = (host: string | undefined, port: number | undefined): string => `${host ?? ''}|${port ?? 0}`;

class TlsListener implements TransportListener {
  readonly #inner: TransportListener;
  readonly #pending: Map<string, Pending>;
  readonly #onClose: () => void;
  #closing: Promise<void> | undefined;

  constructor(inner: TransportListener, pending: Map<string, Pending>, onClose: () => void) {
    this.#inner = inner;
    this.#pending = pending;
    this.#onClose = onClose;
  }

  get address(): Endpoint {
    return this.#inner.address;
  }

  close(): Promise<void> {
    if (!this.#closing) {
      this.#onClose();
      // Half-done handshakes belong to nobody yet: drop them so close() does not wait on them.
      for (const p of [...this.#pending.values()]) p.raw.destroy();
      this.#closing = this.#inner.close();
    }
    return this.#closing;
  }
}

export function listenTls(
  options: ListenOptions,
  own: GeneratedCertificate,
  config: ResolvedTlsOptions,
  log: Logger,
): Promise<TransportListener> {
  const pending = new Map<string, Pending>();
  let closed = false;
  const { clock, handshakeTimeout } = config;

  const server = tls.createServer({
    key: own.key,
    cert: own.cert,
    minVersion: config.minVersion,
    maxVersion: config.maxVersion,
    // py2p never sends a client certificate; ask for one only when the user pins clients, or
    // when an identity needs the client's key (authenticated subnets have no py2p nodes).
    requestCert: config.pinClients || config.identity !== undefined,
    // Self-signed certificates everywhere: trust comes from pins, not from a CA.
    rejectUnauthorized: false,
    // Node's own timer is idle-based; ours (below) is absolute. Node's stays as a backstop.
    handshakeTimeout: handshakeTimeout * 2,
  });

  const report = (p: Pending, error: P2PError): void => {
    if (p.done) return;
    p.done = true;
    if (p.timer !== undefined) clock.clearTimeout(p.timer);
    pending.delete(p.key);
    p.raw.destroy();
    if (closed) return;
    log.debug(`dropped ${p.remote.host}:${p.remote.port}: ${error.message}`);
    try {
      options.onError?.(error, p.remote);
    } catch (err) {
      log.error('onError threw', err);
    }
  };

  server.on('connection', (raw: net.Socket) => {
    const remote = Object.freeze({ host: raw.remoteAddress ?? '', port: raw.remotePort ?? 0 });
    const p: Pending = { raw, key: keyOf(raw.remoteAddress, raw.remotePort), remote, timer: undefined, done: false };
    pending.set(p.key, p);
    p.timer = clock.setTimeout(() => {
      p.timer = undefined;
      report(p, handshakeTimeoutError(handshakeTimeout, remote, 'incoming'));
    }, handshakeTimeout);
    raw.once('close', () => {
      // Node reports the reason (tlsClientError) right around the close; if it never does,
      // the connection is still accounted for.
      setImmediate(() => report(p, handshakeError(Object.assign(new Error('connection closed during the TLS handshake'), { code: 'ECONNRESET' }), remote, 'incoming')));
    });
  });

  server.on('tlsClientError', (err: NodeJS.ErrnoException, socket: tls.TLSSocket) => {
    // After the peer hung up Node no longer knows the address; the pending entry whose TCP
    // socket is already gone is the one.
    const p =
      pending.get(keyOf(socket.remoteAddress, socket.remotePort)) ?? [...pending.values()].find((c) => c.raw.destroyed);
    if (!p) return log.debug(`TLS error on an untracked connection: ${err.message}`);
    report(p, handshakeError(err, p.remote, 'incoming'));
  });

  server.on('secureConnection', (socket: tls.TLSSocket) => {
    const p = pending.get(keyOf(socket.remoteAddress, socket.remotePort));
    if (p) {
      p.done = true;
      if (p.timer !== undefined) clock.clearTimeout(p.timer);
      pending.delete(p.key);
    }
    const remote = Object.freeze({ host: socket.remoteAddress ?? '', port: socket.remotePort ?? 0 });
    if (closed) {
      socket.destroy();
      return;
    }
    const peer = peerCertificate(socket);
    const error = checkPeer(config, peer, remote, 'incoming');
    if (error) {
      socket.destroy();
      log.debug(error.message);
      try {
        options.onError?.(error, remote);
      } catch (e) {
        log.error('onError threw', e);
      }
      return;
    }
    let connection: TransportConnection;
    try {
      connection = connectionOf(socket, own, peer);
    } catch (err) {
      socket.destroy();
      log.error('cannot wrap an accepted TLS socket', err);
      return;
    }
    log.debug(`accepted ${remote.host}:${remote.port} over ${socket.getProtocol()}`);
    try {
      options.onConnection(connection);
    } catch (err) {
      connection.destroy();
      log.error('onConnection threw', err);
    }
  });

  return listenNetServer(server, options).then(
    (inner) =>
      new TlsListener(inner, pending, () => {
        closed = true;
      }),
  );
}
