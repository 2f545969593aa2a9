/**
 * The dialing side. Base's `dialNetSocket` maps every failure to CONNECT_FAILED; here a failure
 * after the TCP connection is up is a TLS problem (`TLS_ERROR`), and the handshake has its own
 * deadline on top of the caller's `timeout`.
 */
import * as tls from 'node:tls';
import {
  ConnectFailedError,
  P2PError,
  withDeadline,
  type DialOptions,
  type Logger,
  type TimerHandle,
  type TransportConnection,
} from '@p2p/base';
import type { GeneratedCertificate } from './certificate';
import type { ResolvedTlsOptions } from './options';
import { checkPeer } from './peer-check';
import { connectionOf, peerCertificate } from './tls-connection';
import { handshakeError, handshakeTimeoutError } from './tls-errors';

export function dialTls(
  options: DialOptions,
  own: GeneratedCertificate,
  config: ResolvedTlsOptions,
  log: Logger,
): Promise<TransportConnection> {
  const remote = Object.freeze({ host: options.host, port: options.port });
  const { clock, handshakeTimeout } = config;
  return withDeadline(
    (signal) =>
      new Promise<TransportConnection>((resolve, reject) => {
        const socket = tls.connect({
          host: options.host,
          port: options.port,
          // Presented only when a server asks (an @p2p server with pinClients or an identity);
          // py2p never does.
          key: own.key,
          cert: own.cert,
          minVersion: config.minVersion,
          maxVersion: config.maxVersion,
          // Self-signed certificates everywhere (PROTOCOL.md 7): trust comes from pins, if any.
          rejectUnauthorized: false,
        });
        let tcpUp = false;
        let timer: TimerHandle | undefined;
        let settled = false;

        const cleanup = (): void => {
          settled = true;
          if (timer !== undefined) clock.clearTimeout(timer);
          socket.off('connect', onConnect);
          socket.off('secureConnect', onSecure);
          socket.off('error', onError);
          socket.off('close', onClose);
          signal.removeEventListener('abort', onAbort);
        };
        const fail = (error: unknown): void => {
          if (settled) return;
          cleanup();
          // Late errors from the dying socket must not become uncaught exceptions.
          socket.on('error', () => {});
          socket.destroy();
          log.debug(`dial ${remote.host}:${remote.port} failed: ${error instanceof Error ? error.message : String(error)}`);
          reject(error);
        };
        const onConnect = (): void => {
          tcpUp = true;
          timer = clock.setTimeout(() => fail(handshakeTimeoutError(handshakeTimeout, remote, 'outgoing')), handshakeTimeout);
        };
        const onError = (err: NodeJS.ErrnoException): void => {
          if (err instanceof P2PError) fail(err);
          else if (tcpUp) fail(handshakeError(err, remote, 'outgoing'));
          else {
            fail(
              new ConnectFailedError(`cannot connect to ${remote.host}:${remote.port}: ${err.message}`, {
                cause: err,
                details: { code: err.code, host: remote.host, port: remote.port },
              }),
            );
          }
        };
        const onClose = (): void => {
          const err = Object.assign(new Error('the server closed the connection during the TLS handshake'), { code: 'ECONNRESET' });
          onError(err);
        };
        const onSecure = (): void => {
          const peer = peerCertificate(socket);
          const refused = checkPeer(config, peer, remote, 'outgoing');
          if (refused) {
            fail(refused);
            return;
          }
          cleanup();
          log.debug(`connected to ${remote.host}:${remote.port} over ${socket.getProtocol()}`);
          resolve(connectionOf(socket, own, peer));
        };
        const onAbort = (): void => fail(signal.reason);

        socket.once('connect', onConnect);
        socket.once('secureConnect', onSecure);
        socket.once('error', onError);
        socket.once('close', onClose);
        signal.addEventListener('abort', onAbort, { once: true });
      }),
    { signal: options.signal, timeout: options.timeout, clock, what: `TLS connect to ${remote.host}:${remote.port}` },
  );
}
