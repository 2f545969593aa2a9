/** The 'ws' and 'wss' transports in Node, over the `ws` package (PROTOCOL.md 1.1). */
import { X509Certificate } from 'node:crypto';
import { InvalidArgumentError, scopedLogger, type DialOptions, type ListenOptions, type Transport } from '@p2p/base';
import { pemText, resolveOptions, type WsTransportOptions } from '../options';
import { dialWs } from './dial';
import { listenWs } from './listener';

/** A {@link Transport} for 'ws' or 'wss'. */
export interface WsTransport extends Transport {
  readonly encryption: 'ws' | 'wss';
}

/**
 * Builds a WebSocket transport: `'ws'` (plain) or `'wss'` (TLS; a listener needs `key` and
 * `cert`, or a `certificate` factory).
 * @throws InvalidArgumentError (`INVALID_ARGUMENT`) for bad options.
 */
export function wsTransport(encryption: 'ws' | 'wss' = 'ws', options: WsTransportOptions = {}): WsTransport {
  if (encryption !== 'ws' && encryption !== 'wss') throw new InvalidArgumentError(`encryption must be 'ws' or 'wss'`, { details: { encryption } });
  const config = resolveOptions(options);
  const secure = encryption === 'wss';
  const log = scopedLogger(config.logger, encryption);
  let identity: Promise<{ key: string; cert: string; fingerprint256: string }> | undefined;

  const getIdentity = (): Promise<{ key: string; cert: string; fingerprint256: string }> => {
    identity ??= (async () => {
      const pair = config.key !== undefined && config.cert !== undefined ? { key: config.key, cert: config.cert } : await config.certificate?.();
      if (!pair) {
        throw new InvalidArgumentError("a 'wss' listener needs key and cert, or a certificate factory", { details: { encryption } });
      }
      const key = pemText(pair.key, 'key')!;
      const cert = pemText(pair.cert, 'cert')!;
      return { key, cert, fingerprint256: new X509Certificate(cert).fingerprint256 };
    })();
    // A failure is not cached: the next call tries again.
    identity.catch(() => (identity = undefined));
    return identity;
  };

  return Object.freeze({
    encryption,
    async listen(listenOptions: ListenOptions) {
      return listenWs(listenOptions, secure, secure ? await getIdentity() : undefined, config, log);
    },
    dial(dialOptions: DialOptions) {
      return dialWs(dialOptions, secure, config, log);
    },
  });
}
