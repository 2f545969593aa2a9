/**
 * Sync's TS-only messages (PROTOCOL.md 9, F14: separate messages on sub-flags py2p ignores,
 * never extra fields on its own). py2p drops any sub-flag no handler claims (4.7 step 4), so a
 * py2p peer sees only its usual stores and deltas.
 *
 * ```
 * deleted   whisper / 0x2e [ key: bin, owner: bin, timestamp: int ]    a recorded delete (join replay)
 * session   whisper / 0x2d [ 0, epoch: bin(8) ]                        hello: this instance's epoch
 *           whisper / 0x2d [ 1, seq: int ]                             mark: everything up to seq was sent
 *           whisper / 0x2d [ 2, seq: int, epoch: bin(8) ]              ack: the mark was processed
 * ```
 * 0x2f is chord's backup message; a node is either sync or chord, never both.
 */
import { fieldBytes, isValidNodeId } from '@p2p/base';

/** Sub-flag of the tombstone replay message. */
export const DELETED_SUBFLAG = 0x2e;
/** Sub-flag of the session messages (hello, mark, ack). */
export const SESSION_SUBFLAG = 0x2d;

export const SessionKind = { hello: 0, mark: 1, ack: 2 } as const;

export const EPOCH_BYTES = 8;

export interface DeletedMessage {
  kind: 'deleted';
  key: Uint8Array;
  owner: string;
  timestamp: number;
}

export type SessionMessage =
  | { kind: 'hello'; epoch: Uint8Array }
  | { kind: 'mark'; seq: number }
  | { kind: 'ack'; seq: number; epoch: Uint8Array };

export interface Malformed {
  kind: 'malformed';
  reason: string;
}

const textDecoder = new TextDecoder('utf-8', { fatal: true });

/** `packets` is `Message.packets` (sub-flag first). */
export function parseDeleted(packets: readonly unknown[]): DeletedMessage | Malformed {
  if (packets.length !== 4) return { kind: 'malformed', reason: `deleted with ${packets.length - 1} fields, 3 required` };
  const key = fieldBytes(packets[1]);
  if (key === undefined) return { kind: 'malformed', reason: 'deleted key is neither bin nor str' };
  const ownerBytes = fieldBytes(packets[2]);
  let owner: string | undefined;
  try {
    owner = ownerBytes === undefined ? undefined : textDecoder.decode(ownerBytes);
  } catch {
    owner = undefined;
  }
  if (owner === undefined || !isValidNodeId(owner)) return { kind: 'malformed', reason: 'deleted owner is not a node id' };
  const timestamp = packets[3];
  if (typeof timestamp !== 'number' || !Number.isFinite(timestamp)) return { kind: 'malformed', reason: 'deleted timestamp is not a number' };
  return { kind: 'deleted', key, owner, timestamp };
}

export function parseSession(packets: readonly unknown[]): SessionMessage | Malformed {
  const [, kind, a, b] = packets;
  if (kind === SessionKind.hello && packets.length === 3 && isEpoch(a)) return { kind: 'hello', epoch: a };
  if (kind === SessionKind.mark && packets.length === 3 && isSeq(a)) return { kind: 'mark', seq: a };
  if (kind === SessionKind.ack && packets.length === 4 && isSeq(a) && isEpoch(b)) return { kind: 'ack', seq: a, epoch: b };
  return { kind: 'malformed', reason: 'unknown or malformed sync session message' };
}

function isEpoch(v: unknown): v is Uint8Array {
  return v instanceof Uint8Array && v.length === EPOCH_BYTES;
}

function isSeq(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}
