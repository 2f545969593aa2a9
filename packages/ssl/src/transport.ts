/**
 * `@p2p/ssl/transport`: the same API as `@p2p/ssl` without the import side effect. Nothing is
 * registered until you call {@link registerSsl} (or you pass `tlsTransport()` to a socket
 * yourself).
 *
 * @example
 * ```ts
 * import { registerSsl } from '@p2p/ssl/transport';
 * registerSsl(); // now new Protocol('mesh', 'SSL') works
 * ```
 * @packageDocumentation
 */
export { tlsTransport, type TlsTransport } from './tls-transport';
export { registerSsl, type RegisterSslOptions } from './register';
export { generateCertificate, certificatePublicKey, type CertificateOptions, type CertificateKeyType, type GeneratedCertificate } from './certificate';
export { normalizeFingerprint, certificateFingerprint } from './fingerprint';
export { type TlsTransportOptions, type TlsConnectionInfo, DEFAULT_HANDSHAKE_TIMEOUT_MS } from './options';
export { TlsErrorReason } from './tls-errors';
