/** Wrapping an established TLS socket as a base `TransportConnection`. */
import type * as tls from 'node:tls';
import { NetSocketConnection } from '@p2p/base';
import { certificatePublicKey, type GeneratedCertificate } from './certificate';
import type { TlsConnectionInfo } from './options';

/** What the peer's certificate says about it. */
export interface PeerCertificate {
  readonly fingerprint256: string;
  /** Its raw Ed25519 key; undefined for another key type. */
  readonly publicKey: Uint8Array | undefined;
}

/**
 * The certificate the peer presented, if any. Call it once per socket: on the client side Node
 * returns the certificate only the first time.
 */
export function peerCertificate(socket: tls.TLSSocket): PeerCertificate | undefined {
  const x509 = socket.getPeerX509Certificate();
  if (x509 === undefined) return undefined;
  return { fingerprint256: x509.fingerprint256, publicKey: certificatePublicKey(x509) };
}

export function connectionOf(socket: tls.TLSSocket, own: GeneratedCertificate, peer: PeerCertificate | undefined): NetSocketConnection {
  const info: TlsConnectionInfo = {
    protocol: socket.getProtocol() ?? undefined,
    cipher: socket.getCipher()?.name,
    peerFingerprint256: peer?.fingerprint256,
    localFingerprint256: own.fingerprint256,
    ...(peer?.publicKey ? { peerPublicKey: peer.publicKey } : {}),
  };
  return new NetSocketConnection(socket, { encrypted: true, info: { ...info } });
}
