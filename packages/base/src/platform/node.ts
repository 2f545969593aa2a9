/**
 * The platform seam for Node (`#platform`, default condition): native node:crypto digests,
 * node:zlib, and TCP as the built-in 'Plaintext' transport. `browser.ts` has the same exports.
 */
import { createHash, randomUUID } from 'node:crypto';
import { deflateSync, gzipSync, unzipSync } from 'node:zlib';
import type { TransportFactory } from '../transport-registry';
import { tcpTransport } from '../tcp-transport';
import { OutputLimitError } from './output-limit';

export { tcpTransport, lanAddress, NetSocketConnection, listenNetServer, dialNetSocket } from '../tcp-transport';

/** Which implementation this build carries. */
export const platform: 'node' | 'browser' = 'node';

// Strip Buffer so callers never depend on Buffer-only methods.
const plain = (b: Uint8Array): Uint8Array => new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
const digest = (algorithm: string, data: Uint8Array): Uint8Array => plain(createHash(algorithm).update(data).digest());

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
