/**
 * The read of a signed record: a {@link SlotRead} over the record's five slots whose policy
 * checks every answer (structure, signature, owner and name) and settles on the highest valid
 * sequence (records-policy.ts), so a forged or stale replica never wins.
 */
import { KeyNotFoundError, SignatureInvalidError, TimeoutError, bytesEqual, toHex, type P2PError } from '@p2p/base';
import { HASH_METHODS } from './hashing';
import { checkRecord, type ParsedRecord } from './records';
import { afterNil, afterRecord, afterRound, decideRecordRead, type RecordSlot } from './records-policy';
import type { RawOf } from './lookups';
import type { ReadPolicy } from './slot-read';

/** What a record read is for, and where a refused answer goes. */
export interface RecordQuery {
  /** The subnet name (what the signature covers). */
  readonly subnet: string;
  readonly ownerDigest: Uint8Array;
  readonly owner: string;
  readonly name: Uint8Array;
  readonly timeout: number;
  /** An answer that is not a valid record of this owner and name (counted by the caller). */
  refused(reason: 'malformed' | 'signature' | 'location' | 'unsigned'): void;
}

export class RecordReadPolicy implements ReadPolicy {
  readonly #query: RecordQuery;
  #slots: RecordSlot[] = HASH_METHODS.map(() => ({ state: 'open' }));

  constructor(query: RecordQuery) {
    this.#query = query;
  }

  /** A record read needs every table's answer (the highest valid seq wins, not the most common): all five are asked at once. */
  readonly firstAsks = HASH_METHODS.length;

  record(i: number, value: unknown, rawOf: RawOf, local: boolean): void {
    const slot = this.#slots[i]!;
    const raw = value === null ? undefined : rawOf();
    if (raw === undefined) {
      this.#slots[i] = afterNil(slot, local);
      return;
    }
    const check = this.#check(raw);
    // A plain value at a record slot is no record (written there unsigned): the slot is empty.
    this.#slots[i] = check === 'plain' ? afterNil(slot, true) : afterRecord(slot, check);
  }

  retry(): number[] {
    this.#slots = this.#slots.map(afterRound);
    return this.#slots.flatMap((slot, i) => (slot.state === 'nil' ? [i] : []));
  }

  decide(final: boolean): { value: unknown } | { error: P2PError } | undefined {
    const decision = decideRecordRead(this.#slots, final);
    const { owner, name, timeout } = this.#query;
    const details = { owner, name: toHex(name) };
    switch (decision.kind) {
      case 'wait':
        return undefined;
      case 'value':
        return { value: decision.record };
      case 'forged':
        return { error: new SignatureInvalidError('every record answered was forged or belongs to another owner or name', { details }) };
      case 'not-found':
        return { error: new KeyNotFoundError('no such record', { details }) };
      case 'timeout':
        return { error: new TimeoutError(`record read timed out after ${timeout} ms`, { details: { ...details, timeout } }) };
    }
  }

  /** The answer as a valid record of this owner and name, `plain` for no record, or undefined for an invalid one (both counted). */
  #check(raw: Uint8Array): ParsedRecord | 'plain' | undefined {
    const q = this.#query;
    const check = checkRecord(raw, q.subnet);
    if (check.kind === 'record') {
      const r = check.record;
      if (bytesEqual(r.ownerDigest, q.ownerDigest) && bytesEqual(r.name, q.name)) return r;
      q.refused('location');
      return undefined;
    }
    if (check.kind === 'plain') {
      q.refused('unsigned');
      return 'plain';
    }
    q.refused(check.reason);
    return undefined;
  }
}
