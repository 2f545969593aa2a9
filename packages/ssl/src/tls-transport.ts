/** The 'SSL' transport: TLS over TCP with per-transport self-signed certificates (PROTOCOL.md 7). */
import { scopedLogger, type DialOptions, type ListenOptions, type Transport } from '@p2p/base';
import { generateCertificate, type GeneratedCertificate } from './certificate';
import { certificateFingerprint } from './fingerprint';
import { resolveOptions, type TlsTransportOptions } from './options';
import { dialTls } from './tls-dial';
import { listenTls } from './tls-listener';

/** A {@link Transport} for the 'SSL' encryption name, with access to its own certificate. */
export interface TlsTransport extends Transport {
  readonly encryption: 'SSL';
  /**
   * This transport's certificate (generated on first use, then the same for every listener and
   * dial of this transport). Give `fingerprint256` to peers that want to pin this node.
   */
  certificate(): Promise<Pick<GeneratedCertificate, 'cert' | 'fingerprint256'>>;
}

/**
 * Builds a TLS transport. Each transport has one certificate: the user's `{ key, cert }`, or a
 * self-signed one generated the first time it listens or dials (from `identity` when given).
 * @throws InvalidArgumentError (`INVALID_ARGUMENT`) for bad options (fingerprints, versions, ...).
 */
export function tlsTransport(options: TlsTransportOptions = {}): TlsTransport {
  const config = resolveOptions(options);
  const log = scopedLogger(config.logger, 'ssl');
  let own: Promise<GeneratedCertificate> | undefined;

  const getCertificate = (): Promise<GeneratedCertificate> => {
    if (!own) {
      if (config.key !== undefined && config.cert !== undefined) {
        const { key, cert } = config;
        own = Promise.resolve().then(() => Object.freeze({ key, cert, fingerprint256: certificateFingerprint(cert) }));
      } else {
        const started = Date.now();
        const { identity, keyType } = config;
        own = generateCertificate(identity ? { identity } : { keyType }).then((c) => {
          log.debug(`generated ${identity ? `the Ed25519 certificate of ${identity.id}` : `a ${keyType} certificate`} ${c.fingerprint256} in ${Date.now() - started} ms`);
          return c;
        });
      }
      // A failure is not cached: the next call tries again.
      own.catch(() => {
        own = undefined;
      });
    }
    return own;
  };

  return Object.freeze({
    encryption: 'SSL' as const,
    async certificate() {
      const { cert, fingerprint256 } = await getCertificate();
      return { cert, fingerprint256 };
    },
    async listen(listenOptions: ListenOptions) {
      return listenTls(listenOptions, await getCertificate(), config, log);
    },
    async dial(dialOptions: DialOptions) {
      return dialTls(dialOptions, await getCertificate(), config, log);
    },
  });
}
