/**
 * @p2p/ssl: TLS for every socket whose Protocol says 'SSL', interoperable with py2p 0.7 SSL
 * nodes. Importing this module registers the transport (use `@p2p/ssl/transport` to avoid the
 * side effect). Without pins this protects against passive observers only (PROTOCOL.md F18).
 *
 * @example
 * ```ts
 * import '@p2p/ssl';
 * import { Protocol } from '@p2p/base';
 * // new MeshSocket({ protocol: new Protocol('mesh', 'SSL') }) now speaks TLS.
 * ```
 * @packageDocumentation
 */
import { registerSsl } from './register';

export {
  tlsTransport,
  type TlsTransport,
  registerSsl,
  type RegisterSslOptions,
  generateCertificate,
  certificatePublicKey,
  type CertificateOptions,
  type CertificateKeyType,
  type GeneratedCertificate,
  normalizeFingerprint,
  certificateFingerprint,
  type TlsTransportOptions,
  type TlsConnectionInfo,
  DEFAULT_HANDSHAKE_TIMEOUT_MS,
  TlsErrorReason,
} from './transport';

registerSsl();
