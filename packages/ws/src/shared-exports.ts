/** The names both transport entries (Node and browser) export unchanged. */
export {
  type WsTransportOptions,
  type CertificateKeyPair,
  normalizeFingerprint,
  wsUrl,
  DEFAULT_MAX_PAYLOAD,
  DEFAULT_UPGRADE_TIMEOUT_MS,
} from './options';
export { WebSocketError, WsErrorReason } from './errors';
export type { RegisterWsOptions } from './register';
