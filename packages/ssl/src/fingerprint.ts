/** SHA-256 certificate fingerprints: parsing user pins and comparing them. */
import { X509Certificate } from 'node:crypto';
import { InvalidArgumentError } from '@p2p/base';

/**
 * Canonical form of a SHA-256 fingerprint: 'AB:CD:...' (32 upper-case hex pairs), the format
 * Node's `X509Certificate.fingerprint256` and `openssl x509 -fingerprint -sha256` print.
 * Accepts that form, or 64 hex digits with any case, colons or spaces.
 * @throws InvalidArgumentError (`INVALID_ARGUMENT`) when it is not a SHA-256 fingerprint.
 */
export function normalizeFingerprint(fingerprint: string): string {
  const hex = typeof fingerprint === 'string' ? fingerprint.replace(/[\s:]/g, '').toUpperCase() : '';
  if (!/^[0-9A-F]{64}$/.test(hex)) {
    throw new InvalidArgumentError('a pinned fingerprint must be a SHA-256 digest: 64 hex digits, colons allowed', {
      details: { fingerprint },
    });
  }
  return hex.match(/../g)!.join(':');
}

/** The SHA-256 fingerprint of a PEM or DER certificate, canonical form. */
export function certificateFingerprint(cert: string | Uint8Array): string {
  return new X509Certificate(typeof cert === 'string' ? cert : Buffer.from(cert)).fingerprint256;
}
