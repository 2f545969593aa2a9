/** The one rule for accepting a TLS peer's certificate, for both sides of a connection. */
import type { Endpoint, TlsError } from '@p2p/base';
import type { ResolvedTlsOptions } from './options';
import type { PeerCertificate } from './tls-connection';
import { fingerprintMismatchError, peerKeyMissingError } from './tls-errors';

/**
 * Why the peer's certificate is refused, or undefined when it is accepted. Pins apply to dialed
 * servers always and to clients with `pinClients`; with an identity every peer must show an
 * Ed25519 key, so the mesh can bind it to the peer's handshake.
 */
export function checkPeer(
  config: Pick<ResolvedTlsOptions, 'pins' | 'pinClients' | 'identity'>,
  peer: PeerCertificate | undefined,
  remote: Endpoint | undefined,
  side: 'incoming' | 'outgoing',
): TlsError | undefined {
  const pinned = side === 'outgoing' ? config.pins.size > 0 : config.pinClients;
  if (pinned && (peer === undefined || !config.pins.has(peer.fingerprint256))) {
    return fingerprintMismatchError(peer?.fingerprint256, remote, side);
  }
  if (config.identity !== undefined && peer?.publicKey === undefined) {
    return peerKeyMissingError(peer?.fingerprint256, remote, side);
  }
  return undefined;
}
