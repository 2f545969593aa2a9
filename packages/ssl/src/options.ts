/** User options of the TLS transport, and their validation (they may arrive untyped through
 * `createTransport('SSL', transportOptions)`). */
import type { SecureVersion } from 'node:tls';
import { X509Certificate } from 'node:crypto';
import { InvalidArgumentError, systemClock, type Clock, type Identity, type Logger } from '@p2p/base';
import { certificatePublicKey, isIdentity, type CertificateKeyType } from './certificate';
import { normalizeFingerprint } from './fingerprint';

/** Options of {@link tlsTransport}. All optional. */
export interface TlsTransportOptions {
  /**
   * Private key (PEM) of a certificate to use instead of a generated one. Give `cert` with it.
   * @default a fresh key generated once per transport
   */
  key?: string | Uint8Array;
  /** Certificate (PEM) matching `key`. */
  cert?: string | Uint8Array;
  /**
   * The node's identity (authenticated subnets). The transport's certificate is then an
   * Ed25519 certificate of the identity's key (or the given `cert`, which must carry that key),
   * every TLS peer, dialed or accepted, must present an Ed25519 certificate (else `TLS_ERROR`,
   * reason `PEER_KEY_MISSING`), and `connection.info.peerPublicKey` holds the peer's key, which
   * the mesh checks against the key of the peer's handshake. A MeshSocket in an authenticated
   * subnet passes its identity here itself.
   * @default none: any certificate, as py2p
   */
  identity?: Identity;
  /**
   * Key type of the generated certificate: 'ec' (ECDSA P-256, fast) or 'rsa' (RSA 2048, as py2p).
   * @default 'ec'
   */
  keyType?: CertificateKeyType;
  /**
   * SHA-256 fingerprints of the peer certificates this node trusts ('AB:CD:..' or 64 hex
   * digits). When non-empty, a dialed server whose certificate is not listed is dropped with
   * `TLS_ERROR` (reason `FINGERPRINT_MISMATCH`). Clients are checked only with `pinClients`.
   * An empty list (the default) accepts any certificate, as py2p does.
   * @default []
   */
  pinnedFingerprints?: readonly string[];
  /**
   * With pins set, also ask every incoming client for its certificate and drop clients that
   * send none or one not in `pinnedFingerprints`. Our own dialing transports always answer such
   * a request with their certificate; py2p clients never send one, so leave this off when py2p
   * nodes must connect.
   * @default false
   */
  pinClients?: boolean;
  /**
   * Milliseconds an incoming or outgoing TLS handshake may take before the connection is
   * dropped with `TLS_ERROR` (reason `HANDSHAKE_TIMEOUT`). Counted from the TCP connection.
   * @default 10000
   */
  handshakeTimeout?: number;
  /**
   * Oldest TLS version accepted. TLS 1.2 lets py2p on older OpenSSL connect.
   * @default 'TLSv1.2'
   */
  minVersion?: SecureVersion;
  /**
   * Newest TLS version offered (two @p2p nodes negotiate TLS 1.3).
   * @default 'TLSv1.3'
   */
  maxVersion?: SecureVersion;
  /** Timers for handshake timeouts (tests inject fakes). @default systemClock */
  clock?: Clock;
  /** Debug logger, scoped '[ssl]'. @default silent */
  logger?: Logger;
}

/** Facts about an established TLS connection, found in `connection.info`. */
export interface TlsConnectionInfo {
  /** Negotiated version, e.g. 'TLSv1.3'. */
  readonly protocol: string | undefined;
  /** Negotiated cipher suite, e.g. 'TLS_AES_256_GCM_SHA384'. */
  readonly cipher: string | undefined;
  /** SHA-256 fingerprint of the peer's certificate; undefined when it sent none (a client). */
  readonly peerFingerprint256: string | undefined;
  /** SHA-256 fingerprint of this transport's own certificate. */
  readonly localFingerprint256: string;
  /**
   * The raw 32-byte Ed25519 public key of the peer's certificate, proven by the TLS handshake;
   * present only when the peer presented an Ed25519 certificate (always, for a transport with
   * an `identity`).
   */
  readonly peerPublicKey?: Uint8Array;
}

export const DEFAULT_HANDSHAKE_TIMEOUT_MS = 10_000;

const VERSIONS: readonly SecureVersion[] = ['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'];

/** Options after validation and defaults. */
export interface ResolvedTlsOptions {
  readonly key: string | undefined;
  readonly cert: string | undefined;
  readonly identity: Identity | undefined;
  readonly keyType: CertificateKeyType;
  readonly pins: ReadonlySet<string>;
  readonly pinClients: boolean;
  readonly handshakeTimeout: number;
  readonly minVersion: SecureVersion;
  readonly maxVersion: SecureVersion;
  readonly clock: Clock;
  readonly logger: Logger | undefined;
}

function invalid(message: string, details: Record<string, unknown>): never {
  throw new InvalidArgumentError(message, { details });
}

function pem(value: unknown, field: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string') return value;
  if (value instanceof Uint8Array) return Buffer.from(value).toString('utf8');
  return invalid(`${field} must be a PEM string or bytes`, { field });
}

/** An identity, with no `keyType` beside it and no `cert` of another key. */
function checkIdentity(identity: Identity, cert: string | undefined, keyType: unknown): void {
  if (!isIdentity(identity)) invalid('identity must be an Identity from @p2p/base', {});
  if (keyType !== undefined) invalid('give identity or keyType, not both: an identity certificate is Ed25519', { keyType });
  if (cert === undefined) return;
  let own: Uint8Array | undefined;
  try {
    own = certificatePublicKey(new X509Certificate(cert));
  } catch (err) {
    invalid(`cert does not parse: ${err instanceof Error ? err.message : String(err)}`, {});
  }
  if (own === undefined || !Buffer.from(own).equals(Buffer.from(identity.publicKey))) {
    invalid("cert is not a certificate of the identity's Ed25519 key", { id: identity.id });
  }
}

/** @throws InvalidArgumentError (`INVALID_ARGUMENT`) for options out of their domain. */
export function resolveOptions(options: TlsTransportOptions = {}): ResolvedTlsOptions {
  if (options === null || typeof options !== 'object') invalid('options must be an object', {});
  const key = pem(options.key, 'key');
  const cert = pem(options.cert, 'cert');
  if ((key === undefined) !== (cert === undefined)) invalid('give key and cert together, or neither', {});
  const identity = options.identity;
  if (identity !== undefined) checkIdentity(identity, cert, options.keyType);
  const keyType = options.keyType ?? 'ec';
  if (keyType !== 'ec' && keyType !== 'rsa') invalid(`keyType must be 'ec' or 'rsa'`, { keyType });
  const pinned = options.pinnedFingerprints ?? [];
  if (!Array.isArray(pinned)) invalid('pinnedFingerprints must be an array of strings', {});
  const pins = new Set(pinned.map((f: string) => normalizeFingerprint(f)));
  const pinClients = options.pinClients ?? false;
  if (typeof pinClients !== 'boolean') invalid('pinClients must be a boolean', { pinClients });
  if (pinClients && pins.size === 0) invalid('pinClients needs pinnedFingerprints', {});
  const handshakeTimeout = options.handshakeTimeout ?? DEFAULT_HANDSHAKE_TIMEOUT_MS;
  if (typeof handshakeTimeout !== 'number' || !(handshakeTimeout > 0) || !Number.isFinite(handshakeTimeout)) {
    invalid('handshakeTimeout must be a positive number of milliseconds', { handshakeTimeout });
  }
  const minVersion = options.minVersion ?? 'TLSv1.2';
  const maxVersion = options.maxVersion ?? 'TLSv1.3';
  if (!VERSIONS.includes(minVersion) || !VERSIONS.includes(maxVersion) || VERSIONS.indexOf(minVersion) > VERSIONS.indexOf(maxVersion)) {
    invalid('minVersion/maxVersion must be TLS versions with minVersion <= maxVersion', { minVersion, maxVersion });
  }
  return Object.freeze({
    key,
    cert,
    identity,
    keyType,
    pins,
    pinClients,
    handshakeTimeout,
    minVersion,
    maxVersion,
    clock: options.clock ?? systemClock,
    logger: options.logger,
  });
}
