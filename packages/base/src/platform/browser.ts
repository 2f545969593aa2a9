/**
 * The platform seam for browsers (`#platform`, `browser` condition): the same exports as
 * `node.ts` with no Node built-ins. Digests come from @noble/hashes, zlib and gzip from fflate
 * (bounded, see bounded-inflate.ts). There is no TCP: 'Plaintext' is not built in and the TCP
 * helpers throw `TRANSPORT_NOT_FOUND`.
 */
import { sha1 as nobleSha1 } from '@noble/hashes/legacy.js';
import { sha224 as nobleSha224, sha256 as nobleSha256, sha384 as nobleSha384, sha512 as nobleSha512 } from '@noble/hashes/sha2.js';
import { ed25519 } from '@noble/curves/ed25519.js';
import { IdentityError, TransportNotFoundError } from '../errors';
import type * as Tcp from '../tcp-transport';
import type { TransportFactory } from '../transport-registry';

export { zlibCompress, gzipCompress, unzip } from './bounded-inflate';

/** Which implementation this build carries. */
export const platform: 'node' | 'browser' = 'browser';

/** SHA-1 digest (20 bytes); chord hashing only (PROTOCOL.md 2.5). */
export const sha1 = (data: Uint8Array): Uint8Array => nobleSha1(data);
/** SHA-224 digest (28 bytes). */
export const sha224 = (data: Uint8Array): Uint8Array => nobleSha224(data);
/** SHA-256 digest (32 bytes): frame checksums and protocol ids. */
export const sha256 = (data: Uint8Array): Uint8Array => nobleSha256(data);
/** SHA-384 digest (48 bytes): node ids. */
export const sha384 = (data: Uint8Array): Uint8Array => nobleSha384(data);
/** SHA-512 digest (64 bytes). */
export const sha512 = (data: Uint8Array): Uint8Array => nobleSha512(data);

/** Writes the SHA-256 digest of `data` into `out` at `at` (32 bytes). */
export function sha256Into(data: Uint8Array, out: Uint8Array, at: number): void {
  out.set(nobleSha256(data), at);
}

/** True when the 32 bytes of `expected` from `at` are the SHA-256 digest of `data`. */
export function sha256Matches(data: Uint8Array, expected: Uint8Array, at: number): boolean {
  const digest = nobleSha256(data);
  for (let i = 0; i < 32; i++) if (expected[at + i] !== digest[i]) return false;
  return true;
}

/**
 * A random UUID4 in its canonical text form. Built from `crypto.getRandomValues`, which every
 * browser has, because `crypto.randomUUID` exists only in secure contexts.
 */
export function randomUuid(): string {
  const b = globalThis.crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/**
 * '127.0.0.1': a page cannot learn its LAN address. Node returns the same when the host has no
 * external interface, and a browser cannot bind the wildcard address that asks for it anyway.
 */
export function lanAddress(): string {
  return '127.0.0.1';
}

const NO_TCP = "TCP is not available in a browser: use new Protocol(subnet, 'ws') (or 'wss') and import '@p2p/ws'";

function noTcp(what: string): TransportNotFoundError {
  return new TransportNotFoundError(`${what}: ${NO_TCP}`, { details: { encryption: 'Plaintext', platform: 'browser' } });
}

/** Throws `TRANSPORT_NOT_FOUND`: there is no TCP in a browser. */
export const tcpTransport: typeof Tcp.tcpTransport = () => {
  throw noTcp('tcpTransport()');
};
/** Rejects with `TRANSPORT_NOT_FOUND`: there is no TCP in a browser. */
export const listenNetServer: typeof Tcp.listenNetServer = () => Promise.reject(noTcp('listenNetServer()'));
/** Rejects with `TRANSPORT_NOT_FOUND`: there is no TCP in a browser. */
export const dialNetSocket: typeof Tcp.dialNetSocket = () => Promise.reject(noTcp('dialNetSocket()'));
/** Its constructor throws `TRANSPORT_NOT_FOUND`: there is no TCP in a browser. */
export const NetSocketConnection: typeof Tcp.NetSocketConnection = class {
  constructor() {
    throw noTcp('new NetSocketConnection()');
  }
} as unknown as typeof Tcp.NetSocketConnection;

/** Nothing is built in: a browser registers its own (WebSocket) transport. */
export const builtInTransports: Readonly<Record<string, TransportFactory>> = Object.freeze({});

/** What a missing encryption name needs here. */
export const missingTransportHints: Readonly<Record<string, string>> = Object.freeze({ Plaintext: NO_TCP });

/** A fresh Ed25519 secret key (its 32-byte seed), from `crypto.getRandomValues`. */
export function ed25519RandomSecretKey(): Uint8Array {
  return ed25519.utils.randomSecretKey();
}

/** Returns a signing function for a 32-byte seed and the matching 32-byte public key. */
export function ed25519Signer(secretKey: Uint8Array): { publicKey: Uint8Array; sign: (data: Uint8Array) => Uint8Array } {
  const seed = Uint8Array.from(secretKey);
  return { publicKey: ed25519.getPublicKey(seed), sign: (data) => ed25519.sign(data, seed) };
}

/** True when `signature` is a valid Ed25519 signature of `data` by `publicKey` (never throws). */
export function ed25519Verify(publicKey: Uint8Array, data: Uint8Array, signature: Uint8Array): boolean {
  if (publicKey.length !== 32 || signature.length !== 64) return false;
  try {
    return ed25519.verify(signature, data, publicKey);
  } catch {
    return false;
  }
}

const noFiles = (): never => {
  throw new IdentityError('identity files need a file system: in a browser, keep the secret key yourself (Identity.fromSecretKey)');
};

/** Browsers have no files: throws `IDENTITY_INVALID`. */
export const readPrivateFile = (_path: string): { text: string; mode: number } | undefined => noFiles();
/** Browsers have no files: throws `IDENTITY_INVALID`. */
export const writePrivateFile = (_path: string, _text: string): void => noFiles();
/** File modes do not apply in a browser. */
export const fileModesApply = false;
