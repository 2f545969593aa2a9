/**
 * The platform seam for Node (`#platform`, default condition): native node:crypto digests,
 * node:zlib, and TCP as the built-in 'Plaintext' transport. `browser.ts` has the same exports.
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, randomUUID, sign, verify, type KeyObject } from 'node:crypto';
import * as crypto from 'node:crypto';
import { chmodSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { deflateSync, gzipSync, unzipSync } from 'node:zlib';
import type { TransportFactory } from '../transport-registry';
import { tcpTransport } from '../tcp-transport';
import { evictOldest } from '../evict-oldest';
import { OutputLimitError } from './output-limit';

export { tcpTransport, lanAddress, NetSocketConnection, listenNetServer, dialNetSocket } from '../tcp-transport';

/** Which implementation this build carries. */
export const platform: 'node' | 'browser' = 'node';

// Strip Buffer so callers never depend on Buffer-only methods.
const plain = (b: Uint8Array): Uint8Array => new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
// The digest as latin1 text ('binary' is Node's name for it), one char per byte: crypto.hash
// (Node 20.12+) digests in one call, and text costs less to make than a Buffer, which is the
// larger part of a small frame's digest.
type OneShot = (algorithm: string, data: Uint8Array, encoding: 'binary') => string;
const oneShot = (crypto as unknown as { hash?: OneShot }).hash;
const digestText =
  typeof oneShot === 'function'
    ? (algorithm: string, data: Uint8Array): string => oneShot(algorithm, data, 'binary')
    : (algorithm: string, data: Uint8Array): string => createHash(algorithm).update(data).digest('binary');

function digest(algorithm: string, data: Uint8Array): Uint8Array {
  const text = digestText(algorithm, data);
  // At most 64 bytes: V8 keeps such arrays on its heap, far cheaper than a separate store.
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i);
  return out;
}

/** SHA-1 digest (20 bytes); chord hashing only (PROTOCOL.md 2.5). */
export const sha1 = (data: Uint8Array): Uint8Array => digest('sha1', data);
/** SHA-224 digest (28 bytes). */
export const sha224 = (data: Uint8Array): Uint8Array => digest('sha224', data);
/** SHA-256 digest (32 bytes): frame checksums and protocol ids. */
export const sha256 = (data: Uint8Array): Uint8Array => digest('sha256', data);
/** SHA-384 digest (48 bytes): node ids. */
export const sha384 = (data: Uint8Array): Uint8Array => digest('sha384', data);
/** SHA-512 digest (64 bytes). */
export const sha512 = (data: Uint8Array): Uint8Array => digest('sha512', data);

/** Writes the SHA-256 digest of `data` into `out` at `at` (32 bytes), making no array. */
export function sha256Into(data: Uint8Array, out: Uint8Array, at: number): void {
  const text = digestText('sha256', data);
  for (let i = 0; i < 32; i++) out[at + i] = text.charCodeAt(i);
}

/** True when the 32 bytes of `expected` from `at` are the SHA-256 digest of `data`, making no array. */
export function sha256Matches(data: Uint8Array, expected: Uint8Array, at: number): boolean {
  const text = digestText('sha256', data);
  for (let i = 0; i < 32; i++) if (expected[at + i] !== text.charCodeAt(i)) return false;
  return true;
}

/** A random UUID4 in its canonical text form (py2p's per-process id salt). */
export function randomUuid(): string {
  return randomUUID();
}

/** zlib-wrapped deflate (header 78 9c). */
export const zlibCompress = (data: Uint8Array): Uint8Array => plain(deflateSync(data));
/** gzip-wrapped deflate (header 1f 8b). */
export const gzipCompress = (data: Uint8Array): Uint8Array => plain(gzipSync(data));

/**
 * Inflates zlib or gzip (either wrapper, as py2p's decoder does). zlib stops at the cap while
 * inflating. Throws {@link OutputLimitError} past `maxOutputBytes`, anything else on bad input.
 */
export function unzip(data: Uint8Array, maxOutputBytes: number): Uint8Array {
  try {
    return plain(unzipSync(data, { maxOutputLength: Math.max(1, maxOutputBytes) }));
  } catch (err) {
    if ((err as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE') throw new OutputLimitError(maxOutputBytes);
    throw err;
  }
}

/** Transports available without registering anything: TCP for 'Plaintext'. */
export const builtInTransports: Readonly<Record<string, TransportFactory>> = Object.freeze({
  Plaintext: () => tcpTransport(),
});

/** Extra advice for a missing encryption name on this platform (none in Node). */
export const missingTransportHints: Readonly<Record<string, string>> = Object.freeze({});

// Ed25519 (RFC 8032) through node:crypto. Raw keys travel as 32 bytes; node:crypto wants DER.
const PKCS8_ED25519 = Uint8Array.from([0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20]);
const SPKI_ED25519 = Uint8Array.from([0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00]);
const withPrefix = (prefix: Uint8Array, key: Uint8Array): Buffer => Buffer.concat([prefix, key]);

/** A fresh Ed25519 secret key (its 32-byte seed). */
export function ed25519RandomSecretKey(): Uint8Array {
  const { privateKey } = generateKeyPairSync('ed25519');
  return plain(privateKey.export({ format: 'der', type: 'pkcs8' }).subarray(PKCS8_ED25519.length));
}

/** Returns a signing function for a 32-byte seed and the matching 32-byte public key. */
export function ed25519Signer(secretKey: Uint8Array): { publicKey: Uint8Array; sign: (data: Uint8Array) => Uint8Array } {
  const key = createPrivateKey({ key: withPrefix(PKCS8_ED25519, secretKey), format: 'der', type: 'pkcs8' });
  const spki = createPublicKey(key).export({ format: 'der', type: 'spki' });
  return {
    publicKey: plain(spki.subarray(SPKI_ED25519.length)),
    sign: (data) => plain(sign(null, data, key)),
  };
}

// Parsed public keys, so a busy peer's key is parsed once. Bounded: the oldest goes first.
const PUBLIC_KEY_CACHE_LIMIT = 4096;
const publicKeys = new Map<string, KeyObject>();

function publicKeyObject(publicKey: Uint8Array): KeyObject {
  const tag = Buffer.from(publicKey.buffer, publicKey.byteOffset, publicKey.byteLength).toString('latin1');
  let key = publicKeys.get(tag);
  if (key === undefined) {
    key = createPublicKey({ key: withPrefix(SPKI_ED25519, publicKey), format: 'der', type: 'spki' });
    publicKeys.set(tag, key);
    evictOldest(publicKeys, PUBLIC_KEY_CACHE_LIMIT);
  }
  return key;
}

/** True when `signature` is a valid Ed25519 signature of `data` by `publicKey` (never throws). */
export function ed25519Verify(publicKey: Uint8Array, data: Uint8Array, signature: Uint8Array): boolean {
  if (publicKey.length !== 32 || signature.length !== 64) return false;
  try {
    return verify(null, data, publicKeyObject(publicKey), signature);
  } catch {
    return false;
  }
}

/** Reads a private file as UTF-8 text, or undefined when it does not exist. */
export function readPrivateFile(path: string): { text: string; mode: number } | undefined {
  let mode: number;
  try {
    mode = statSync(path).mode;
  } catch (err) {
    if ((err as { code?: unknown }).code === 'ENOENT') return undefined;
    throw err;
  }
  return { text: readFileSync(path, 'utf8'), mode };
}

/**
 * Writes `text` to `path` readable by its owner only (mode 0600), atomically: a temporary
 * file in the same folder is renamed over the target, so a crash never leaves half a key.
 */
export function writePrivateFile(path: string, text: string): void {
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, text, { mode: 0o600, flag: 'wx' });
  chmodSync(temporary, 0o600);
  renameSync(temporary, path);
}

/** Whether file modes mean anything here (not on Windows). */
export const fileModesApply = process.platform !== 'win32';
