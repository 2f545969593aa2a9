/** Wrapping an established TLS socket as a base `TransportConnection`. */
import type * as tls from 'node:tls';
import { NetSocketConnection } from '@p2p/base';
import type { GeneratedCertificate } from './certificate';
import type { TlsConnectionInfo } from './options';

/**
 * The SHA-256 fingerprint of the certificate the peer presented, if any. Call it once per
 * socket: on the client side Node returns the certificate only the first time.
 */
export function peerFingerprint(socket: tls.TLSSocket): string | undefined {
  return socket.getPeerX509Certificate()?.fingerprint256;
}

export function connectionOf(
  socket: tls.TLSSocket,
  identity: GeneratedCertificate,
  peerFingerprint256: string | undefined,
): NetSocketConnection {
  const info: TlsConnectionInfo = {
    protocol: socket.getProtocol() ?? undefined,
    cipher: socket.getCipher()?.name,
    peerFingerprint256,
    localFingerprint256: identity.fingerprint256,
  };
  return new NetSocketConnection(socket, { encrypted: true, info: { ...info } });
}
