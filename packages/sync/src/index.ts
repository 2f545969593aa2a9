/**
 * @p2p/sync: a dictionary replicated on every node of a peer-to-peer mesh, with one-hour leases,
 * indistinguishable on the wire from py2p 0.7's `SyncSocket`.
 *
 * @example
 * ```ts
 * import { SyncSocket } from '@p2p/sync';
 *
 * const a = await SyncSocket.listen();
 * const b = await SyncSocket.listen();
 * await b.connect(...a.outAddr);
 * b.on('update', ({ key, value }) => console.log(new TextDecoder().decode(key), value)); // greeting hello
 * a.set('greeting', 'hello');
 * ```
 * @packageDocumentation
 */
export { SyncSocket } from './sync-socket';
export type { SyncSocketOptions } from './options';
export type { SyncEvents, SyncUpdate, SyncDelete } from './events';
export type { SyncKey } from './keys';
export { LEASE_SECONDS, MAX_FUTURE_SECONDS, type SyncMeta } from './lease';
export { DEFAULT_TOMBSTONE_SECONDS, DEFAULT_MAX_TOMBSTONES } from './tombstones';
export { LeaseHeldError, FutureTimestampError } from './errors';
export { KeyNotFoundError, NotAMappingError } from '@p2p/base';
// What this README uses, so `npm install @p2p/sync` alone is enough.
export {
  Protocol,
  P2PError,
  isP2PError,
  EncodeError,
  InvalidArgumentError,
  BadMessageError,
  ClosedError,
  Identity,
  SignatureInvalidError,
} from '@p2p/base';
