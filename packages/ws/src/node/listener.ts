/**
 * The accepting side in Node: an `http` (or, for 'wss', `https`) server whose upgrades `ws`
 * completes. What a js2p server lacks: every connection has an absolute deadline to finish
 * its upgrade (`upgradeTimeout`), an upgrade for another path gets 404, a plain HTTP request
 * gets 426, and every such offender is reported to `onError` as `WEBSOCKET_ERROR` and dropped
 * without touching other connections. Rules broken after the upgrade (text messages,
 * oversized messages, bad framing) are reported to `onError` too, besides closing the
 * connection with that error.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import type * as net from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import {
  listenNetServer,
  type Endpoint,
  type ListenOptions,
  type Logger,
  type P2PError,
  type TimerHandle,
  type TransportListener,
} from '@p2p/base';
import { WsErrorReason, where, wsError } from '../errors';
import type { ResolvedWsOptions } from '../options';
import { WsConnection } from '../ws-connection';
import { closeTimeoutOption } from './closing';
import { errorOfEvent } from './errors';

interface Pending {
  readonly raw: net.Socket;
  readonly remote: Endpoint;
  timer: TimerHandle | undefined;
  done: boolean;
}

class WsListener implements TransportListener {
  readonly #inner: TransportListener;
  readonly #stop: () => void;
  #closing: Promise<void> | undefined;

  constructor(inner: TransportListener, stop: () => void) {
    this.#inner = inner;
    this.#stop = stop;
  }

  get address(): Endpoint {
    return this.#inner.address;
  }

  close(): Promise<void> {
    if (!this.#closing) {
      this.#stop();
      this.#closing = this.#inner.close();
    }
    return this.#closing;
  }
}

const endpointOf = (s: net.Socket): Endpoint => Object.freeze({ host: s.remoteAddress ?? '', port: s.remotePort ?? 0 });

/** Answers `status` and closes; a client that does not read the answer is cut off after a second. */
function refuse(socket: net.Socket, status: string): void {
  const timer = setTimeout(() => socket.destroy(), 1_000);
  timer.unref();
  socket.once('close', () => clearTimeout(timer));
  if (!socket.writable) return void socket.destroy();
  socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`, () => socket.destroy());
}

export function listenWs(
  options: ListenOptions,
  secure: boolean,
  identity: { readonly key: string; readonly cert: string } | undefined,
  config: ResolvedWsOptions,
  log: Logger,
): Promise<TransportListener> {
  const { clock, upgradeTimeout } = config;
  const pending = new Map<net.Socket, Pending>();
  const open = new Set<WebSocket>();
  let closed = false;

  const server: http.Server = secure ? https.createServer({ key: identity?.key, cert: identity?.cert }) : http.createServer();
  // Our own absolute deadline replaces Node's idle-based ones during the upgrade.
  server.headersTimeout = 0;
  server.requestTimeout = 0;
  const wss = new WebSocketServer({ noServer: true, maxPayload: config.maxPayload, perMessageDeflate: false, clientTracking: false, ...closeTimeoutOption });

  const report = (error: P2PError, remote: Endpoint | undefined): void => {
    if (closed) return;
    log.debug(`dropped ${where(remote)}: ${error.message}`);
    try {
      options.onError?.(error, remote);
    } catch (err) {
      log.error('onError threw', err);
    }
  };

  // Finds the pending entry of an HTTP-level socket (for https, the TLS socket wraps the raw one).
  const pendingOf = (socket: net.Socket): Pending | undefined => {
    const direct = pending.get(socket);
    if (direct) return direct;
    const parent = (socket as net.Socket & { _parent?: net.Socket })._parent;
    return parent ? pending.get(parent) : [...pending.values()].find((p) => p.remote.port === socket.remotePort && p.remote.host === socket.remoteAddress);
  };

  // `answered`: a refusal is being written; the socket goes once it is flushed.
  const settle = (p: Pending | undefined, error?: P2PError, answered = false): void => {
    if (!p || p.done) return;
    p.done = true;
    if (p.timer !== undefined) clock.clearTimeout(p.timer);
    pending.delete(p.raw);
    if (error) {
      if (!answered) p.raw.destroy();
      report(error, p.remote);
    }
  };

  server.on('connection', (raw: net.Socket) => {
    if (closed) return void raw.destroy();
    const remote = endpointOf(raw);
    if (pending.size >= config.maxPendingUpgrades) {
      raw.destroy();
      const limit = config.maxPendingUpgrades;
      return report(wsError(WsErrorReason.upgradeFailed, `${where(remote)} dropped: ${limit} upgrades already in progress`, remote, { details: { limit } }), remote);
    }
    const p: Pending = { raw, remote, timer: undefined, done: false };
    pending.set(raw, p);
    p.timer = clock.setTimeout(() => {
      p.timer = undefined;
      settle(p, wsError(WsErrorReason.upgradeTimeout, `${where(remote)} did not complete its WebSocket upgrade within ${upgradeTimeout} ms`, remote, { details: { timeout: upgradeTimeout } }));
    }, upgradeTimeout);
    raw.on('error', () => {});
    raw.once('close', () => {
      setImmediate(() => settle(p, wsError(WsErrorReason.upgradeFailed, `${where(remote)} hung up before its WebSocket upgrade finished`, remote)));
    });
  });

  server.on('tlsClientError', (err: Error, socket: net.Socket) => {
    const p = pendingOf(socket) ?? [...pending.values()].find((c) => c.raw.destroyed);
    settle(p, wsError(WsErrorReason.upgradeFailed, `${where(p?.remote)} failed the TLS handshake: ${err.message}`, p?.remote, { cause: err, details: { tls: true } }));
  });

  server.on('clientError', (err: Error & { code?: string }, socket: net.Socket) => {
    const p = pendingOf(socket);
    // Not HTTP (or gone): nobody to answer.
    socket.destroy();
    // A hang-up in the middle of the request is a failed upgrade, anything else is not HTTP.
    const hungUp = err.code === 'ECONNRESET' || err.code === 'HPE_INVALID_EOF_STATE';
    const error = hungUp
      ? wsError(WsErrorReason.upgradeFailed, `${where(p?.remote)} hung up before its WebSocket upgrade finished`, p?.remote, { cause: err, details: { code: err.code } })
      : wsError(WsErrorReason.notWebSocket, `${where(p?.remote)} sent bytes that are not an HTTP request: ${err.message}`, p?.remote, { cause: err, details: { code: err.code } });
    settle(p, error);
  });

  server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
    const p = pendingOf(req.socket);
    res.writeHead(426, { Connection: 'close', Upgrade: 'websocket', 'Content-Type': 'text/plain' });
    res.end('this is a @p2p WebSocket endpoint\n');
    res.once('finish', () => req.socket.destroy());
    settle(p, wsError(WsErrorReason.notWebSocket, `${where(p?.remote)} sent a plain HTTP request (${req.method} ${req.url})`, p?.remote, { details: { method: req.method } }), true);
  });

  server.on('upgrade', (req: http.IncomingMessage, socket: net.Socket, head: Buffer) => {
    const p = pendingOf(socket);
    const remote = p?.remote ?? endpointOf(socket);
    const path = (req.url ?? '/').split('?')[0];
    if (path !== config.path) {
      refuse(socket, '404 Not Found');
      settle(p, wsError(WsErrorReason.badPath, `${where(remote)} asked to upgrade ${req.url}, this endpoint is ${config.path}`, remote, { details: { path: req.url } }), true);
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      settle(p);
      if (closed) return void ws.terminate();
      open.add(ws);
      ws.once('close', () => open.delete(ws));
      const local = Object.freeze({ host: socket.localAddress ?? '', port: socket.localPort ?? 0 });
      const connection = new WsConnection(ws as unknown as ConstructorParameters<typeof WsConnection>[0], {
        remote,
        local,
        encrypted: secure,
        info: { encryption: secure ? 'wss' : 'ws', path: config.path },
        maxPayload: config.maxPayload,
        terminate: () => ws.terminate(),
        errorOf: (event) => errorOfEvent(event, remote),
        stream: socket,
        onViolation: (error) => {
          if (error.code === 'WEBSOCKET_ERROR') report(error, remote);
        },
      });
      log.debug(`accepted ${where(remote)}`);
      try {
        options.onConnection(connection);
      } catch (err) {
        connection.destroy();
        log.error('onConnection threw', err);
      }
    });
  });

  return listenNetServer(server, options).then(
    (inner) =>
      new WsListener(inner, () => {
        closed = true;
        // Half-done upgrades belong to nobody yet: drop them so close() does not wait on them.
        for (const p of [...pending.values()]) settle(p, undefined), p.raw.destroy();
        wss.close();
      }),
  );
}
