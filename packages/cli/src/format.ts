/** How values, keys and ids look on screen. */
import { fieldText, toHex } from '@p2p/base';
import { inspect } from 'node:util';

/** The first characters of a node id: enough to tell peers apart on screen. */
export function shortId(id: string, length = 8): string {
  return id.length > length ? id.slice(0, length) : id;
}

/** A key as text when it is printable UTF-8, else `0x` + hex. */
export function formatKey(key: Uint8Array): string {
  const text = fieldText(key); // undefined when the bytes are not valid UTF-8
  // eslint-disable-next-line no-control-regex
  if (text !== undefined && !/[\u0000-\u001f\u007f]/.test(text)) return text;
  return `0x${toHex(key)}`;
}

/** A stored or received value: text as is, bytes as text or hex, anything else on one line. */
export function formatValue(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value instanceof Uint8Array) return formatKey(value);
  return inspect(value, { depth: 4, breakLength: Infinity, colors: false });
}

/** `host:port`, IPv6 as `[::1]:port`. */
export function addrText([host, port]: readonly [string, number]): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** Milliseconds as `850 ms` or `1.2 s`. */
export function formatMs(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}
