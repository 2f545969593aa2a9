/**
 * User options of the WebSocket transports, and their validation (they may arrive untyped
 * through `createTransport('ws', transportOptions)`). Shared by the Node and browser builds.
 */
import { InvalidArgumentError, systemClock, type Clock, type Logger } from '@p2p/base';

/** A certificate and its private key, PEM. */
export interface CertificateKeyPair {
  readonly key: string | Uint8Array;
  readonly cert: string | Uint8Array;
}

/** Options of {@link wsTransport}. All optional; the browser build reads only `path` and `maxPayload`. */
export interface WsTransportOptions {
  /**
   * The HTTP path of the WebSocket endpoint. js2p uses `ws://host:port` with no path, which is
   * `/`. A listener answers an upgrade for any other path with 404 and reports `WEBSOCKET_ERROR`
   * (reason `BAD_PATH`); a dialer asks for this path. Set it when a reverse proxy routes a
   * path to the node.
   * @default '/'
   */
  path?: string;
  /**
   * Largest WebSocket message accepted, in bytes. js2p sends one frame per message, so this is
   * the largest frame (body plus its 4-byte header). A bigger message drops the connection with
   * `WEBSOCKET_ERROR` (reason `MESSAGE_TOO_LARGE`) before it is buffered whole.
   * @default 16 MiB + 4 (one frame of mesh's default `maxFrameBytes`)
   */
  maxPayload?: number;
  /**
   * Milliseconds an incoming connection may take, from TCP accept, to complete its HTTP upgrade
   * (and, for 'wss', its TLS handshake). Slower clients are dropped with `WEBSOCKET_ERROR`
   * (reason `UPGRADE_TIMEOUT`). Node only.
   * @default 10000
   */
  upgradeTimeout?: number;
  /**
   * Incoming connections that may be in their upgrade at once; more are dropped on arrival
   * with `WEBSOCKET_ERROR` (reason `UPGRADE_FAILED`, `details.limit`). Node only.
   * @default 1024
   */
  maxPendingUpgrades?: number;
  /** 'wss' listeners: private key (PEM) of the server certificate. Give `cert` with it. Node only. */
  key?: string | Uint8Array;
  /** 'wss' listeners: the certificate (PEM, chain allowed) matching `key`. Node only. */
  cert?: string | Uint8Array;
  /**
   * 'wss' listeners without `key`/`cert`: called once, the first time the transport listens, to
   * make a certificate, for example `generateCertificate` of `@p2p/ssl` (a self-signed one on
   * the fly). Node only.
   */
  certificate?: () => CertificateKeyPair | Promise<CertificateKeyPair>;
  /**
   * 'wss' dialers: SHA-256 fingerprints ('AB:CD:..' or 64 hex digits) of the server
   * certificates to trust. When non-empty, only these are accepted (self-signed included, no CA
   * check); any other drops the dial with `WEBSOCKET_ERROR` (reason `FINGERPRINT_MISMATCH`).
   * Node only: a browser checks wss certificates against its own trust store.
   * @default []
   */
  pinnedFingerprints?: readonly string[];
  /**
   * 'wss' dialers without pins: verify the server certificate against the CA list (`ca`, else
   * Node's). Turn it off to accept any certificate, as 'SSL' does (passive observers only).
   * Node only.
   * @default true
   */
  rejectUnauthorized?: boolean;
  /** 'wss' dialers: CA certificates (PEM) to verify against instead of Node's list. Node only. */
  ca?: string | Uint8Array | readonly (string | Uint8Array)[];
  /** Timers for upgrade deadlines (tests inject fakes). @default systemClock */
  clock?: Clock;
  /** Debug logger, scoped '[ws]'. @default silent */
  logger?: Logger;
}

export const DEFAULT_MAX_PAYLOAD = 16 * 1024 * 1024 + 4;
export const DEFAULT_UPGRADE_TIMEOUT_MS = 10_000;

/** Options after validation and defaults. */
export interface ResolvedWsOptions {
  readonly path: string;
  readonly maxPayload: number;
  readonly upgradeTimeout: number;
  readonly maxPendingUpgrades: number;
  readonly key: string | undefined;
  readonly cert: string | undefined;
  readonly certificate: (() => CertificateKeyPair | Promise<CertificateKeyPair>) | undefined;
  readonly pins: ReadonlySet<string>;
  readonly rejectUnauthorized: boolean;
  readonly ca: string[] | undefined;
  readonly clock: Clock;
  readonly logger: Logger | undefined;
}

function invalid(message: string, details: Record<string, unknown> = {}): never {
  throw new InvalidArgumentError(message, { details });
}

/** PEM text of a string or bytes. */
export function pemText(value: unknown, field: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string') return value;
  if (value instanceof Uint8Array) return new TextDecoder().decode(value);
  return invalid(`${field} must be a PEM string or bytes`, { field });
}

/**
 * Canonical form of a SHA-256 fingerprint: 'AB:CD:...', as Node's `fingerprint256` prints it.
 * @throws InvalidArgumentError (`INVALID_ARGUMENT`) when it is not a SHA-256 fingerprint.
 */
export function normalizeFingerprint(fingerprint: string): string {
  const hex = typeof fingerprint === 'string' ? fingerprint.replace(/[\s:]/g, '').toUpperCase() : '';
  if (!/^[0-9A-F]{64}$/.test(hex)) {
    invalid('a pinned fingerprint must be a SHA-256 digest: 64 hex digits, colons allowed', { fingerprint });
  }
  return hex.match(/../g)!.join(':');
}

const positive = (value: unknown): boolean => typeof value === 'number' && Number.isFinite(value) && value > 0;

/** @throws InvalidArgumentError (`INVALID_ARGUMENT`) for options out of their domain. */
export function resolveOptions(options: WsTransportOptions = {}): ResolvedWsOptions {
  if (options === null || typeof options !== 'object') invalid('options must be an object');
  const path = options.path ?? '/';
  if (typeof path !== 'string' || !path.startsWith('/') || /[\s?#]/.test(path)) {
    invalid("path must start with '/' and hold no spaces, '?' or '#'", { path });
  }
  const maxPayload = options.maxPayload ?? DEFAULT_MAX_PAYLOAD;
  if (!positive(maxPayload) || !Number.isInteger(maxPayload)) invalid('maxPayload must be a positive integer', { maxPayload });
  const upgradeTimeout = options.upgradeTimeout ?? DEFAULT_UPGRADE_TIMEOUT_MS;
  if (!positive(upgradeTimeout)) invalid('upgradeTimeout must be a positive number of milliseconds', { upgradeTimeout });
  const maxPendingUpgrades = options.maxPendingUpgrades ?? 1024;
  if (!positive(maxPendingUpgrades) || !Number.isInteger(maxPendingUpgrades)) invalid('maxPendingUpgrades must be a positive integer', { maxPendingUpgrades });
  const key = pemText(options.key, 'key');
  const cert = pemText(options.cert, 'cert');
  if ((key === undefined) !== (cert === undefined)) invalid('give key and cert together, or neither');
  if (options.certificate !== undefined && typeof options.certificate !== 'function') invalid('certificate must be a function');
  const pinned = options.pinnedFingerprints ?? [];
  if (!Array.isArray(pinned)) invalid('pinnedFingerprints must be an array of strings');
  const pins = new Set(pinned.map((f: string) => normalizeFingerprint(f)));
  const rejectUnauthorized = options.rejectUnauthorized ?? true;
  if (typeof rejectUnauthorized !== 'boolean') invalid('rejectUnauthorized must be a boolean', { rejectUnauthorized });
  const caList = options.ca === undefined ? undefined : Array.isArray(options.ca) ? options.ca : [options.ca];
  const ca = caList?.map((c, i) => pemText(c, `ca[${i}]`)!);
  return Object.freeze({
    path,
    maxPayload,
    upgradeTimeout,
    maxPendingUpgrades,
    key,
    cert,
    certificate: options.certificate,
    pins,
    rejectUnauthorized,
    ca,
    clock: options.clock ?? systemClock,
    logger: options.logger,
  });
}

/** `ws://host:port/path`, brackets around an IPv6 host. */
export function wsUrl(secure: boolean, host: string, port: number, path: string): string {
  const h = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  return `${secure ? 'wss' : 'ws'}://${h}:${port}${path}`;
}
