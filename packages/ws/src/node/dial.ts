/** The dialing side in Node: a `ws` client, with the deadline, abort and pinning of base's dials. */
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { WebSocket } from 'ws';
import { ConnectFailedError, P2PError, withDeadline, type DialOptions, type Logger } from '@p2p/base';
import { WsErrorReason, wsError } from '../errors';
import { wsUrl, type ResolvedWsOptions } from '../options';
import { WsConnection, type Corkable } from '../ws-connection';
import { closeTimeoutOption } from './closing';
import { errorOfEvent } from './errors';

export function dialWs(options: DialOptions, secure: boolean, config: ResolvedWsOptions, log: Logger): Promise<WsConnection> {
  const url = wsUrl(secure, options.host, options.port, config.path);
  const remote = Object.freeze({ host: options.host, port: options.port });
  const pinned = config.pins.size > 0;
  return withDeadline(
    (signal) =>
      new Promise<WsConnection>((resolve, reject) => {
        let peerFingerprint256: string | undefined;
        let failure: P2PError | undefined;
        const ws = new WebSocket(url, {
          maxPayload: config.maxPayload,
          perMessageDeflate: false,
          followRedirects: false,
          ...closeTimeoutOption,
          ...(secure ? { rejectUnauthorized: pinned ? false : config.rejectUnauthorized, ...(config.ca ? { ca: config.ca } : {}) } : {}),
        });
        const cleanup = (): void => {
          ws.off('open', onOpen);
          ws.off('error', onError);
          ws.off('upgrade', onUpgrade);
          ws.off('unexpected-response', onResponse);
          signal.removeEventListener('abort', onAbort);
        };
        const fail = (error: P2PError): void => {
          cleanup();
          ws.on('error', () => {});
          ws.terminate();
          reject(error);
        };
        let stream: Corkable | undefined;
        const onUpgrade = (res: IncomingMessage): void => {
          stream = res.socket;
          if (!secure) return;
          peerFingerprint256 = (res.socket as TLSSocket).getPeerX509Certificate?.()?.fingerprint256;
          if (pinned && (peerFingerprint256 === undefined || !config.pins.has(peerFingerprint256))) {
            failure = wsError(WsErrorReason.fingerprintMismatch, `${url} presented certificate ${peerFingerprint256 ?? '(none)'}, which is not pinned`, remote, {
              details: { actual: peerFingerprint256 },
            });
          }
        };
        const onOpen = (): void => {
          if (failure) return fail(failure);
          cleanup();
          const socket = (ws as unknown as { _socket?: { localAddress?: string; localPort?: number } })._socket;
          log.debug(`dialed ${url}`);
          resolve(
            new WsConnection(ws as unknown as ConstructorParameters<typeof WsConnection>[0], {
              remote,
              local: { host: socket?.localAddress ?? '', port: socket?.localPort ?? 0 },
              encrypted: secure,
              info: { encryption: secure ? 'wss' : 'ws', url, ...(secure ? { peerFingerprint256 } : {}) },
              maxPayload: config.maxPayload,
              terminate: () => ws.terminate(),
              errorOf: (event) => errorOfEvent(event, remote),
              ...(stream ? { stream } : {}),
            }),
          );
        };
        const onError = (err: Error & { code?: string }): void => {
          fail(
            failure ??
              new ConnectFailedError(`cannot connect to ${url}: ${err.message}`, { cause: err, details: { code: err.code, host: options.host, port: options.port } }),
          );
        };
        const onResponse = (_req: unknown, res: IncomingMessage): void => {
          fail(
            new ConnectFailedError(`cannot connect to ${url}: the server answered ${res.statusCode} instead of upgrading`, {
              details: { status: res.statusCode, host: options.host, port: options.port },
            }),
          );
        };
        const onAbort = (): void => fail(signal.reason as P2PError);
        ws.on('upgrade', onUpgrade);
        ws.once('open', onOpen);
        ws.on('error', onError);
        ws.once('unexpected-response', onResponse);
        signal.addEventListener('abort', onAbort, { once: true });
      }),
    { ...options, what: `connect to ${url}` },
  );
}
