/** Turning Node/OpenSSL failures into `TlsError` with a stable `details.reason`. */
import { TlsError, type Endpoint } from '@p2p/base';

/** Values of `details.reason` on a `TLS_ERROR` from this package. */
export const TlsErrorReason = {
  /** The peer speaks something other than TLS (a Plaintext node, HTTP, ...). */
  notTls: 'NOT_TLS',
  /** The handshake failed or the peer closed the connection during it. */
  handshakeFailed: 'HANDSHAKE_FAILED',
  /** The handshake did not finish within `handshakeTimeout`. */
  handshakeTimeout: 'HANDSHAKE_TIMEOUT',
  /** The peer's certificate (or its absence) does not match `pinnedFingerprints`. */
  fingerprintMismatch: 'FINGERPRINT_MISMATCH',
  /** A transport with an identity met a peer with no Ed25519 certificate (not an authenticated node). */
  peerKeyMissing: 'PEER_KEY_MISSING',
} as const;
export type TlsErrorReason = (typeof TlsErrorReason)[keyof typeof TlsErrorReason];

// OpenSSL errors that mean "these bytes are not a TLS record".
const NOT_TLS_CODES = new Set([
  'ERR_SSL_WRONG_VERSION_NUMBER',
  'ERR_SSL_HTTP_REQUEST',
  'ERR_SSL_HTTPS_PROXY_REQUEST',
  'ERR_SSL_PACKET_LENGTH_TOO_LONG',
  'ERR_SSL_RECORD_LENGTH_MISMATCH',
  'ERR_SSL_UNKNOWN_PROTOCOL',
]);

function where(remote: Endpoint | undefined): string {
  return remote ? `${remote.host}:${remote.port}` : 'a peer';
}

/** Wraps a handshake failure reported by Node. */
export function handshakeError(err: NodeJS.ErrnoException, remote: Endpoint | undefined, side: 'incoming' | 'outgoing'): TlsError {
  const code = err.code;
  const reason: TlsErrorReason =
    code === 'ERR_TLS_HANDSHAKE_TIMEOUT'
      ? TlsErrorReason.handshakeTimeout
      : code !== undefined && NOT_TLS_CODES.has(code)
        ? TlsErrorReason.notTls
        : TlsErrorReason.handshakeFailed;
  return new TlsError(handshakeText(reason, remote, side, err), {
    cause: err,
    details: { reason, code, remote, side },
  });
}

/** What went wrong and what to do, without OpenSSL's internals (they stay in `cause`). */
function handshakeText(reason: TlsErrorReason, remote: Endpoint | undefined, side: 'incoming' | 'outgoing', err: NodeJS.ErrnoException): string {
  if (reason === TlsErrorReason.notTls) {
    return side === 'outgoing'
      ? `the peer at ${where(remote)} does not speak TLS: it is probably a Plaintext node; use the same encryption on both (Protocol(subnet, 'Plaintext'), or run it with 'SSL')`
      : `a connection from ${where(remote)} is not TLS: probably a Plaintext node dialing this SSL node; it needs Protocol(subnet, 'SSL') and '@p2p/ssl'`;
  }
  const detail = err.code === 'ECONNRESET' ? err.message : (err.code ?? err.message);
  return `the TLS handshake ${side === 'incoming' ? 'from' : 'with'} ${where(remote)} failed (${detail}); check that both ends run SSL and, when pinning, the certificate fingerprints`;
}

export function handshakeTimeoutError(timeout: number, remote: Endpoint | undefined, side: 'incoming' | 'outgoing'): TlsError {
  return new TlsError(`TLS handshake with ${where(remote)} took longer than ${timeout} ms`, {
    details: { reason: TlsErrorReason.handshakeTimeout, timeout, remote, side },
  });
}

export function fingerprintMismatchError(
  actual: string | undefined,
  remote: Endpoint | undefined,
  side: 'incoming' | 'outgoing',
): TlsError {
  const got = actual === undefined ? 'no certificate' : `certificate ${actual}`;
  return new TlsError(`${where(remote)} presented ${got}, which is not pinned`, {
    details: { reason: TlsErrorReason.fingerprintMismatch, actual, remote, side },
  });
}

export function peerKeyMissingError(actual: string | undefined, remote: Endpoint | undefined, side: 'incoming' | 'outgoing'): TlsError {
  const got = actual === undefined ? 'no certificate' : `a certificate (${actual}) whose key is not Ed25519`;
  return new TlsError(
    `${where(remote)} presented ${got}: nodes of an authenticated subnet present the Ed25519 certificate of their identity; the peer is probably not in one (Protocol(subnet, 'SSL', { auth: true }))`,
    { details: { reason: TlsErrorReason.peerKeyMissing, actual, remote, side } },
  );
}
