/**
 * @p2p/chord: a distributed hash table, wire-compatible with py2p 0.7's `ChordSocket`, that
 * repairs lost replicas when nodes vanish.
 *
 * @example
 * ```ts
 * import { ChordSocket } from '@p2p/chord';
 *
 * const a = await ChordSocket.listen();
 * const b = await ChordSocket.listen();
 * await b.connect(...a.outAddr);
 * a.join();
 * b.join();
 * a.set('greeting', 'hello');
 * console.log(await b.get('greeting')); // 'hello'
 * ```
 * @packageDocumentation
 */
export { ChordSocket, type ChordNode, type GetOptions } from './chord-socket';
export type { ChordEvents } from './events';
export type { ChordSocketOptions } from './options';
export { HASH_METHODS, RING_SIZE, getHashes, distance, type HashMethod, type ChordKey } from './hashing';
export { NoConsensusError, StaleRecordError } from './errors';
export { ChordRecords, type ChordRecord, type PutRecordOptions, type GetRecordOptions, type RecordName, type RecordOwner } from './records-api';
export { RECORD_TAG, MAX_RECORD_NAME_BYTES, isRecordKey } from './records';
export { KeyNotFoundError, NotAMappingError } from '@p2p/base';
// What this README uses, so `npm install @p2p/chord` alone is enough.
export {
  Protocol,
  MemoryHub,
  memoryTransport,
  keyBytes,
  type KeyInput,
  P2PError,
  isP2PError,
  TimeoutError,
  AbortError,
  EncodeError,
  BadMessageError,
  LimitExceededError,
  ClosedError,
  Identity,
  SignatureInvalidError,
  InvalidArgumentError,
} from '@p2p/base';
