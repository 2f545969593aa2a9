/**
 * Self-signed certificates, built with node:crypto and a small DER encoder instead of a
 * certificate library: no dependency, no global polyfills (reflect-metadata), key generation
 * off the main thread.
 */
import { createPrivateKey, createPublicKey, generateKeyPair, randomBytes, sign, X509Certificate, type KeyObject } from 'node:crypto';
import { InvalidArgumentError, type Identity } from '@p2p/base';
import * as der from './der';

/** Key algorithm of a generated certificate. */
export type CertificateKeyType = 'ec' | 'rsa';

/** Options of {@link generateCertificate}. */
export interface CertificateOptions {
  /**
   * 'ec' is ECDSA P-256 (generated in about a millisecond); 'rsa' is RSA 2048, as py2p makes.
   * py2p accepts both.
   * @default 'ec'
   */
  keyType?: CertificateKeyType;
  /**
   * Subject and issuer common name. Peers do not check it.
   * @default 'p2p'
   */
  commonName?: string;
  /**
   * The moment the validity is computed from (ms since the epoch); the certificate is valid
   * from one day before it to ten years after it, as py2p's.
   * @default Date.now()
   */
  now?: number;
  /**
   * Make the certificate from this node identity's Ed25519 key instead of a fresh key
   * (RFC 8410: Ed25519 key and signature), so a peer that sees it over TLS learns the node's
   * public key. Give no `keyType` with it.
   */
  identity?: Identity;
}

/** A generated (or loaded) certificate and its private key, both PEM. */
export interface GeneratedCertificate {
  /** PKCS#8 private key, PEM. */
  readonly key: string;
  /** X.509 certificate, PEM. */
  readonly cert: string;
  /** SHA-256 of the DER certificate, as Node prints it: 'AB:CD:...'. */
  readonly fingerprint256: string;
}

const DAY_MS = 86_400_000;
// PROTOCOL.md 7: valid from one day before creation to ten years after.
const VALID_BEFORE_MS = DAY_MS;
const VALID_AFTER_MS = 3650 * DAY_MS;

// RFC 5280 / RFC 5758 / RFC 4055 / RFC 8410 object identifiers.
const OID = {
  commonName: '2.5.4.3',
  basicConstraints: '2.5.29.19',
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
  sha256WithRsa: '1.2.840.113549.1.1.11',
  ed25519: '1.3.101.112',
} as const;

const base64url = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64url');

/** The identity's key pair as node:crypto keys (through JWK: no hand-built DER for keys). */
function identityKeyPair(identity: Identity): { publicKey: KeyObject; privateKey: KeyObject } {
  const jwk = { kty: 'OKP', crv: 'Ed25519', x: base64url(identity.publicKey), d: base64url(identity.secretKey()) };
  const privateKey = createPrivateKey({ key: jwk, format: 'jwk' });
  return { publicKey: createPublicKey(privateKey), privateKey };
}

/**
 * The raw 32-byte Ed25519 public key a certificate carries, or undefined when its key is of
 * another type (ECDSA, RSA). Accepts PEM, DER or a parsed certificate.
 */
export function certificatePublicKey(cert: string | Uint8Array | X509Certificate): Uint8Array | undefined {
  const x509 = cert instanceof X509Certificate ? cert : new X509Certificate(typeof cert === 'string' ? cert : Buffer.from(cert));
  const key = x509.publicKey;
  if (key.asymmetricKeyType !== 'ed25519') return undefined;
  const { x } = key.export({ format: 'jwk' });
  return x === undefined ? undefined : new Uint8Array(Buffer.from(x, 'base64url'));
}

function newKeyPair(keyType: CertificateKeyType): Promise<{ publicKey: KeyObject; privateKey: KeyObject }> {
  return new Promise((resolve, reject) => {
    const done = (err: Error | null, publicKey: KeyObject, privateKey: KeyObject): void => {
      if (err) reject(err);
      else resolve({ publicKey, privateKey });
    };
    if (keyType === 'rsa') generateKeyPair('rsa', { modulusLength: 2048, publicExponent: 0x10001 }, done);
    else generateKeyPair('ec', { namedCurve: 'P-256' }, done);
  });
}

function signAsync(data: Uint8Array, key: KeyObject): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    // ECDSA signatures come out DER-encoded (dsaEncoding 'der'), as X.509 wants them; Ed25519
    // hashes internally (no digest name) and its 64 bytes go in as they are (RFC 8410).
    const digest = key.asymmetricKeyType === 'ed25519' ? null : 'sha256';
    sign(digest, data, key, (err, signature) => (err ? reject(err) : resolve(signature)));
  });
}

function toPem(label: string, bytes: Uint8Array): string {
  const b64 = Buffer.from(bytes).toString('base64');
  const lines = b64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

function serialNumber(): Uint8Array {
  // 16 random bytes, positive and with a non-zero first byte so DER keeps all of them.
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0]! & 0x7f) | 0x40;
  return bytes;
}

function name(commonName: string): Uint8Array {
  return der.sequence(der.set(der.sequence(der.oid(OID.commonName), der.utf8String(commonName))));
}

/** An `Identity` of @p2p/base (any copy of it: checked by shape, not by class). */
export function isIdentity(value: unknown): value is Identity {
  const v = value as Partial<Identity> | null;
  return typeof v === 'object' && v !== null && v.publicKey instanceof Uint8Array && v.publicKey.length === 32 && typeof v.secretKey === 'function';
}

/**
 * Generates a fresh self-signed certificate (X.509 v3, SHA-256 signature, basicConstraints
 * CA:false critical, random 128-bit serial), as py2p does for each SSL node; with `identity`,
 * an Ed25519 certificate of that identity's key.
 * @throws InvalidArgumentError (`INVALID_ARGUMENT`) for an unknown key type, an empty name, or
 * an `identity` that is not one (or comes with a `keyType`).
 */
export async function generateCertificate(options: CertificateOptions = {}): Promise<GeneratedCertificate> {
  const { identity } = options;
  if (identity !== undefined && !isIdentity(identity)) {
    throw new InvalidArgumentError('identity must be an Identity from @p2p/base');
  }
  if (identity !== undefined && options.keyType !== undefined) {
    throw new InvalidArgumentError('give identity or keyType, not both: an identity certificate is Ed25519', { details: { keyType: options.keyType } });
  }
  const keyType = options.keyType ?? 'ec';
  if (keyType !== 'ec' && keyType !== 'rsa') {
    throw new InvalidArgumentError(`keyType must be 'ec' or 'rsa', got ${String(keyType)}`, { details: { keyType } });
  }
  const commonName = options.commonName ?? 'p2p';
  if (typeof commonName !== 'string' || commonName.length === 0 || commonName.length > 64) {
    throw new InvalidArgumentError('commonName must be a string of 1 to 64 characters', { details: { commonName } });
  }
  const now = options.now ?? Date.now();
  const { publicKey, privateKey } = identity ? identityKeyPair(identity) : await newKeyPair(keyType);
  const algorithm = identity
    ? der.sequence(der.oid(OID.ed25519)) // RFC 8410 3: parameters absent
    : keyType === 'rsa'
      ? der.sequence(der.oid(OID.sha256WithRsa), der.nullValue())
      : der.sequence(der.oid(OID.ecdsaWithSha256));
  const subject = name(commonName);
  const tbs = der.sequence(
    der.explicit(0, der.smallInteger(2)), // v3
    der.unsignedInteger(serialNumber()),
    algorithm,
    subject, // issuer: self-signed
    der.sequence(der.time(new Date(now - VALID_BEFORE_MS)), der.time(new Date(now + VALID_AFTER_MS))),
    subject,
    new Uint8Array(publicKey.export({ type: 'spki', format: 'der' })),
    der.explicit(
      3,
      der.sequence(der.sequence(der.oid(OID.basicConstraints), der.boolean(true), der.octetString(der.sequence()))),
    ),
  );
  const signature = await signAsync(tbs, privateKey);
  const cert = toPem('CERTIFICATE', der.sequence(tbs, algorithm, der.bitString(signature)));
  const key = privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
  return Object.freeze({ key, cert, fingerprint256: new X509Certificate(cert).fingerprint256 });
}
