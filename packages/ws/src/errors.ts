/** The one error of this package, with a stable `details.reason`. */
import { P2PError, type Endpoint, type P2PErrorOptions } from '@p2p/base';

/** Values of `details.reason` on a `WEBSOCKET_ERROR`. */
export const WsErrorReason = {
  /** A text (non-binary) WebSocket message: @p2p frames travel only in binary messages. */
  textMessage: 'TEXT_MESSAGE',
  /** A WebSocket message larger than `maxPayload`. */
  messageTooLarge: 'MESSAGE_TOO_LARGE',
  /** Bytes that break the WebSocket framing itself (bad opcode, unmasked client frame, ...). */
  protocolError: 'PROTOCOL_ERROR',
  /** An upgrade request for a path other than the configured one (default `/`). */
  badPath: 'BAD_PATH',
  /** Not a WebSocket upgrade at all: a plain HTTP request, or bytes that are not HTTP. */
  notWebSocket: 'NOT_WEBSOCKET',
  /** The client did not complete the HTTP upgrade within `upgradeTimeout`. */
  upgradeTimeout: 'UPGRADE_TIMEOUT',
  /** The upgrade failed (bad headers, the client hung up, a TLS failure under wss). */
  upgradeFailed: 'UPGRADE_FAILED',
  /** A wss server's certificate is not one of `pinnedFingerprints`. */
  fingerprintMismatch: 'FINGERPRINT_MISMATCH',
} as const;
export type WsErrorReason = (typeof WsErrorReason)[keyof typeof WsErrorReason];

/** Emitted or thrown (`WEBSOCKET_ERROR`) when a WebSocket peer breaks the rules; `details.reason` says how. */
export class WebSocketError extends P2PError {
  constructor(message: string, options?: P2PErrorOptions) {
    super('WEBSOCKET_ERROR', message, options);
  }
}

export function where(remote: Endpoint | undefined): string {
  return remote ? `${remote.host}:${remote.port}` : 'a peer';
}

export function wsError(
  reason: WsErrorReason,
  message: string,
  remote: Endpoint | undefined,
  extra: { cause?: unknown; details?: Record<string, unknown> } = {},
): WebSocketError {
  return new WebSocketError(message, { cause: extra.cause, details: { reason, remote, ...extra.details } });
}
