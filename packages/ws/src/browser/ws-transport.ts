/**
 * The 'ws' and 'wss' transports in a browser, over the native WebSocket: dial only (a page
 * cannot listen). A wss server's certificate is checked by the browser's own trust store.
 */
import { ConnectFailedError, ConnectionLostError, InvalidArgumentError, ListenFailedError, withDeadline, type DialOptions, type Transport } from '@p2p/base';
import { wsUrl, resolveOptions, type WsTransportOptions } from '../options';
import { WsConnection, type WebSocketLike } from '../ws-connection';

/** A {@link Transport} for 'ws' or 'wss'. */
export interface WsTransport extends Transport {
  readonly encryption: 'ws' | 'wss';
}

type NativeWebSocket = new (url: string) => WebSocketLike & {
  addEventListener(type: 'open', listener: () => void): void;
  removeEventListener(type: string, listener: (...args: never[]) => void): void;
};

function nativeWebSocket(): NativeWebSocket {
  const ctor = (globalThis as { WebSocket?: NativeWebSocket }).WebSocket;
  if (!ctor) throw new ConnectFailedError('this environment has no WebSocket');
  return ctor;
}

/**
 * Builds a WebSocket transport for the browser. `listen()` rejects with `LISTEN_FAILED`: give
 * the socket `listen: []` (a dial-only node).
 * @throws InvalidArgumentError (`INVALID_ARGUMENT`) for bad options.
 */
export function wsTransport(encryption: 'ws' | 'wss' = 'ws', options: WsTransportOptions = {}): WsTransport {
  if (encryption !== 'ws' && encryption !== 'wss') throw new InvalidArgumentError(`encryption must be 'ws' or 'wss'`, { details: { encryption } });
  const config = resolveOptions(options);
  const secure = encryption === 'wss';
  return Object.freeze({
    encryption,
    async listen() {
      throw new ListenFailedError('a browser cannot listen for connections: create the socket with listen: [] (dial only)', {
        details: { encryption, platform: 'browser' },
      });
    },
    dial(dialOptions: DialOptions) {
      const url = wsUrl(secure, dialOptions.host, dialOptions.port, config.path);
      const remote = Object.freeze({ host: dialOptions.host, port: dialOptions.port });
      return withDeadline(
        (signal) =>
          new Promise<WsConnection>((resolve, reject) => {
            const WebSocket = nativeWebSocket();
            const ws = new WebSocket(url);
            ws.binaryType = 'arraybuffer';
            const cleanup = (): void => {
              ws.removeEventListener('open', onOpen);
              ws.removeEventListener('error', onError);
              ws.removeEventListener('close', onError);
              signal.removeEventListener('abort', onAbort);
            };
            const onOpen = (): void => {
              cleanup();
              resolve(
                new WsConnection(ws, {
                  remote,
                  local: { host: '', port: 0 },
                  encrypted: secure,
                  info: { encryption, url },
                  maxPayload: config.maxPayload,
                  errorOf: () => new ConnectionLostError(`connection to ${url} failed`, { details: { remote } }),
                }),
              );
            };
            // Browsers say nothing about why (by design): a refused port and a 404 look alike.
            const onError = (): void => {
              cleanup();
              ws.close();
              reject(new ConnectFailedError(`cannot connect to ${url}`, { details: { host: dialOptions.host, port: dialOptions.port } }));
            };
            const onAbort = (): void => {
              cleanup();
              ws.close();
              reject(signal.reason);
            };
            ws.addEventListener('open', onOpen);
            ws.addEventListener('error', onError);
            ws.addEventListener('close', onError);
            signal.addEventListener('abort', onAbort, { once: true });
          }),
        { ...dialOptions, what: `connect to ${url}` },
      );
    },
  });
}
