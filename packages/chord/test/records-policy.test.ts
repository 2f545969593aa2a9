import { describe, expect, it } from 'vitest';
import { Identity, Protocol, encodeMsgpack, utf8Encode } from '@p2p/base';
import { encodeRecord, parseRecord, type ParsedRecord } from '../src/records';
import {
  EMPTY_AFTER_ROUNDS,
  afterNil,
  afterRecord,
  afterRound,
  decideRecordRead,
  decideRecordWrite,
  type RecordSlot,
} from '../src/records-policy';

const subnet = new Protocol('chord', 'Plaintext', { auth: true }).subnet;
const owner = Identity.fromSecretKey(new Uint8Array(32).fill(3));
const rec = (seq: number, value: unknown = seq): ParsedRecord =>
  parseRecord(encodeRecord(owner, subnet, utf8Encode('n'), seq, encodeMsgpack(value).slice()))!;

describe('decideRecordWrite', () => {
  const held = (seq: number) => ({ kind: 'record', record: rec(seq) }) as const;

  it('a slot without a record takes anything; the first record replaces a squatted plain value', () => {
    for (const h of [{ kind: 'none' }, { kind: 'plain' }] as const) {
      for (const w of [{ kind: 'delete' }, { kind: 'delta' }, { kind: 'plain' }, { kind: 'record', record: rec(1) }] as const) {
        expect(decideRecordWrite(h, w)).toBe('accept');
      }
    }
  });

  it('a slot holding a record changes only to a higher seq', () => {
    expect(decideRecordWrite(held(4), { kind: 'record', record: rec(5) })).toBe('accept');
    expect(decideRecordWrite(held(4), { kind: 'record', record: rec(4) })).toBe('same');
    expect(decideRecordWrite(held(4), { kind: 'record', record: rec(4, 'other value') })).toBe('stale');
    expect(decideRecordWrite(held(4), { kind: 'record', record: rec(3) })).toBe('stale');
    expect(decideRecordWrite(held(4), { kind: 'record', record: rec(0) })).toBe('stale');
  });

  it('unsigned writes (plain value, delete, delta) to a record slot are refused', () => {
    for (const w of [{ kind: 'delete' }, { kind: 'delta' }, { kind: 'plain' }] as const) expect(decideRecordWrite(held(1), w)).toBe('unsigned');
  });
});

describe('decideRecordRead: the highest valid sequence, not the most common value', () => {
  const open: RecordSlot = { state: 'open' };
  const nil: RecordSlot = { state: 'nil', rounds: 1 };
  const empty: RecordSlot = { state: 'empty' };
  const invalid: RecordSlot = { state: 'invalid' };
  const valid = (seq: number): RecordSlot => ({ state: 'valid', record: rec(seq) });
  const seqOf = (d: ReturnType<typeof decideRecordRead>) => (d.kind === 'value' ? d.record.seq : d.kind);

  it('one newer record beats four older ones; forged answers never count', () => {
    expect(seqOf(decideRecordRead([valid(1), valid(1), valid(1), valid(1), valid(2)], false))).toBe(2);
    expect(seqOf(decideRecordRead([valid(3), invalid, invalid, invalid, invalid], false))).toBe(3);
    expect(seqOf(decideRecordRead([valid(3), empty, empty, empty, invalid], false))).toBe(3);
  });

  it('waits while any table has not answered (or answered only nil so far), then decides', () => {
    expect(decideRecordRead([valid(1), valid(1), valid(1), valid(1), open], false)).toEqual({ kind: 'wait' });
    expect(decideRecordRead([valid(1), valid(1), valid(1), valid(1), nil], false)).toEqual({ kind: 'wait' });
    expect(seqOf(decideRecordRead([valid(1), valid(1), open, nil, nil], true))).toBe(1);
  });

  it('no valid record: forged, not found, or timeout', () => {
    expect(decideRecordRead([invalid, empty, empty, empty, empty], false)).toEqual({ kind: 'forged' });
    expect(decideRecordRead([empty, empty, empty, empty, empty], false)).toEqual({ kind: 'not-found' });
    expect(decideRecordRead([open, open, nil, open, open], true)).toEqual({ kind: 'not-found' });
    expect(decideRecordRead([open, open, open, open, open], true)).toEqual({ kind: 'timeout' });
    expect(decideRecordRead([invalid, open, open, open, open], true)).toEqual({ kind: 'forged' });
  });

  it('slot transitions: a remote nil becomes empty after a few rounds, a local nil at once; the higher valid seq stays', () => {
    let slot: RecordSlot = afterNil(open, false);
    expect(slot).toEqual({ state: 'nil', rounds: 1 });
    for (let r = 1; r < EMPTY_AFTER_ROUNDS; r++) slot = afterRound(slot);
    expect(slot).toEqual(empty);
    expect(afterNil(open, true)).toEqual(empty);
    expect(afterNil(valid(2), false)).toEqual(valid(2));
    expect(afterNil(valid(2), true).state).toBe('valid');
    expect(afterRecord(nil, rec(2)).state).toBe('valid');
    expect(seqOfSlot(afterRecord(valid(5), rec(2)))).toBe(5);
    expect(seqOfSlot(afterRecord(valid(2), rec(5)))).toBe(5);
    expect(afterRecord(open, undefined)).toEqual(invalid);
    expect(seqOfSlot(afterRecord(valid(2), undefined))).toBe(2);
  });
});

function seqOfSlot(slot: RecordSlot): number | undefined {
  return slot.state === 'valid' ? slot.record.seq : undefined;
}
