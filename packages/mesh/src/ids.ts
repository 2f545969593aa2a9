import { fieldText, utf8Encode } from '@p2p/base';

/** The wire form of an id we send: bin of its ASCII text, as py2p does. */
export function idBin(id: string): Uint8Array {
  return utf8Encode(id);
}

/** `[host, port]` from a decoded `[str, int]`, or undefined when the shape is wrong. */
export function parseAddr(value: unknown): [string, number] | undefined {
  if (!Array.isArray(value) || value.length !== 2) return undefined;
  const [host, port] = value as [unknown, unknown];
  const h = fieldText(host);
  if (h === undefined || h.length === 0 || h.length > 255) return undefined;
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 0 || port > 65535) return undefined;
  return [h, port];
}

/** Canonical `host:port` key; `localhost` is treated as `127.0.0.1`. */
export function addrKey(host: string, port: number): string {
  return `${host === 'localhost' ? '127.0.0.1' : host}:${port}`;
}

/** Longest id text accepted from a peer (ids are ~66 characters). */
const MAX_ID_LENGTH = 256;

/**
 * Whether a peer's id text is usable for routing. Like py2p's mesh, any non-empty text is
 * accepted (py2p only parses ids as base58 in chord and in conflicts); the length is bounded.
 */
export function isAcceptableId(id: string | undefined): id is string {
  return id !== undefined && id.length > 0 && id.length <= MAX_ID_LENGTH;
}

const WILDCARD_HOSTS = new Set(['0.0.0.0', '::', '']);
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '::1']);

/** A bind address meaning "every interface". */
export function isWildcardHost(host: string): boolean {
  return WILDCARD_HOSTS.has(host);
}

export function isLoopbackHost(host: string): boolean {
  return LOOPBACK_HOSTS.has(host);
}
