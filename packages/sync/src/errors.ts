/**
 * Errors specific to @p2p/sync. Everything else a sync socket raises or emits comes from
 * `@p2p/base` or `@p2p/mesh` (ENCODE_ERROR, BAD_MESSAGE, CLOSED, ...); see the README's table.
 */
import { P2PError, type P2PErrorOptions } from '@p2p/base';

/** Thrown when another node holds a live lease on the key (PROTOCOL.md 5.2); nothing was stored or sent. */
export class LeaseHeldError extends P2PError {
  constructor(message: string, options?: P2PErrorOptions) {
    super('LEASE_HELD', message, options);
  }
}

/**
 * Emitted when a store, delta or delete from a peer is dated more than a minute ahead of this
 * node's clock (`MAX_FUTURE_SECONDS`); it is refused, not clamped, and the connection stays.
 */
export class FutureTimestampError extends P2PError {
  constructor(message: string, options?: P2PErrorOptions) {
    super('FUTURE_TIMESTAMP', message, options);
  }
}

/**
 * The text of a LEASE_HELD: which key, which node, for how long, and what the writer can do.
 * `until` and `now` are in seconds since the epoch.
 */
export function leaseHeldMessage(key: Uint8Array, owner: string, until: number, now: number): string {
  const minutes = Math.max(1, Math.ceil((until - now) / 60));
  const at = new Date(until * 1000).toISOString().slice(11, 16);
  return (
    `key ${keyText(key)} belongs to node ${owner.slice(0, 8)}… for ${minutes} more minute${minutes === 1 ? '' : 's'} ` +
    `(until ${at} UTC): only that node can change it until then; write another key, wait, or run every node with leasing off`
  );
}

/** A key as a person reads it: quoted text when it is printable UTF-8, else hex. */
function keyText(key: Uint8Array): string {
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(key);
    // eslint-disable-next-line no-control-regex
    if (!/[\u0000-\u001f\u007f]/.test(text)) return JSON.stringify(text);
  } catch {
    // not UTF-8
  }
  return `0x${[...key].map((b) => b.toString(16).padStart(2, '0')).join('')}`;
}
