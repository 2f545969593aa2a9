/**
 * The two decisions about signed records (records.ts), as pure functions: whether a storer takes
 * a write to a slot, and what a read of a record settles on.
 */
import { bytesEqual } from '@p2p/base';
import type { ParsedRecord } from './records';

/** What a slot holds, as far as records go. */
export type HeldValue = { readonly kind: 'none' } | { readonly kind: 'plain' } | { readonly kind: 'record'; readonly record: ParsedRecord };

/** A write to a slot: a delete (nil), a delta, a plain value, or a verified record. */
export type IncomingWrite =
  | { readonly kind: 'delete' }
  | { readonly kind: 'delta' }
  | { readonly kind: 'plain' }
  | { readonly kind: 'record'; readonly record: ParsedRecord };

/**
 * `accept` (apply it), `same` (the record held already: nothing to do, nothing to report),
 * `unsigned` (a delete, delta or plain value to a slot holding a record: refused), `stale` (a
 * record whose seq is not above the one held, or the same seq with other bytes: refused).
 */
export type WriteDecision = 'accept' | 'same' | 'unsigned' | 'stale';

/**
 * A slot holding a record changes only to a record with a higher seq (verified records only reach
 * this: signature and location were checked on receipt). A slot holding a plain value or nothing
 * takes anything, so the owner's first record replaces whatever squatted its location.
 */
export function decideRecordWrite(held: HeldValue, incoming: IncomingWrite): WriteDecision {
  if (held.kind !== 'record') return 'accept';
  if (incoming.kind !== 'record') return 'unsigned';
  const have = held.record;
  const got = incoming.record;
  if (got.seq > have.seq) return 'accept';
  if (got.seq === have.seq && bytesEqual(got.valueRaw, have.valueRaw) && bytesEqual(got.signature, have.signature)) return 'same';
  return 'stale';
}

/**
 * One table's answer to a record read: `open` (none yet), `nil` (nil answers in `rounds` retry
 * rounds so far: a forwarder answers nil before the real value), `empty` (a local nil, or nil
 * in {@link EMPTY_AFTER_ROUNDS} rounds), `invalid` (a forged record or one of another owner or
 * name), `valid` (the highest valid record this table answered).
 */
export type RecordSlot =
  | { readonly state: 'open' }
  | { readonly state: 'nil'; readonly rounds: number }
  | { readonly state: 'empty' }
  | { readonly state: 'invalid' }
  | { readonly state: 'valid'; readonly record: ParsedRecord };

/** Retry rounds (250 ms apart) of nothing but nil after which a table counts as not holding the record. */
export const EMPTY_AFTER_ROUNDS = 3;

export type RecordReadDecision =
  | { readonly kind: 'wait' }
  | { readonly kind: 'value'; readonly record: ParsedRecord }
  | { readonly kind: 'forged' }
  | { readonly kind: 'not-found' }
  | { readonly kind: 'timeout' };

/** The slot after a nil answer (a local nil, from this node's own table, is final at once). */
export function afterNil(slot: RecordSlot, local: boolean): RecordSlot {
  if (local) return slot.state === 'valid' || slot.state === 'invalid' ? slot : { state: 'empty' };
  if (slot.state === 'open') return { state: 'nil', rounds: 1 };
  return slot;
}

/** The slot after a new retry round began: nil slots count one more round. */
export function afterRound(slot: RecordSlot): RecordSlot {
  if (slot.state !== 'nil') return slot;
  return slot.rounds + 1 >= EMPTY_AFTER_ROUNDS ? { state: 'empty' } : { state: 'nil', rounds: slot.rounds + 1 };
}

/** The slot after a record answer (already checked): the higher valid seq stays. */
export function afterRecord(slot: RecordSlot, record: ParsedRecord | undefined): RecordSlot {
  if (!record) return slot.state === 'valid' ? slot : { state: 'invalid' };
  if (slot.state === 'valid' && slot.record.seq >= record.seq) return slot;
  return { state: 'valid', record };
}

/**
 * The highest VALID sequence among the answers wins, never the most common value: a read waits
 * until every table has answered (a record, a forgery, or nothing for a few rounds), then takes
 * the best valid record. At the deadline it takes what it has: a valid record, else `forged`
 * when only invalid records came, `not-found` when tables answered nil, `timeout` when none
 * answered at all.
 */
export function decideRecordRead(slots: readonly RecordSlot[], final: boolean): RecordReadDecision {
  let best: ParsedRecord | undefined;
  let pending = 0;
  let invalid = 0;
  let nils = 0;
  for (const slot of slots) {
    if (slot.state === 'open' || slot.state === 'nil') pending++;
    if (slot.state === 'nil' || slot.state === 'empty') nils++;
    if (slot.state === 'invalid') invalid++;
    if (slot.state === 'valid' && (!best || slot.record.seq > best.seq)) best = slot.record;
  }
  if (pending > 0 && !final) return { kind: 'wait' };
  if (best) return { kind: 'value', record: best };
  if (invalid > 0) return { kind: 'forged' };
  return nils > 0 ? { kind: 'not-found' } : { kind: 'timeout' };
}
