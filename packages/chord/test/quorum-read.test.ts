import { describe, expect, it } from 'vitest';
import { encodeMsgpack } from '@p2p/base';
import { decideQuorum, type SlotAnswer } from '../src/quorum-read';
import { ValueGroups } from '../src/same-value';

const open: SlotAnswer = { state: 'open', value: null };
const nil: SlotAnswer = { state: 'nil', value: null };
const localNil: SlotAnswer = { state: 'final', value: null };
/** Answers of one test share their value groups, as within one read. */
let groups = new ValueGroups();
const val = (value: unknown): SlotAnswer => ({ state: 'final', value, group: groups.groupOf(value, encodeMsgpack(value)) });

describe('decideQuorum (PROTOCOL.md 6.5: 3 of 5 agree)', () => {
  it('three matching values win, whatever the other two say', () => {
    expect(decideQuorum([val('a'), val('a'), val('a'), open, open], false)).toEqual({ kind: 'value', value: 'a' });
    expect(decideQuorum([val('a'), val('b'), val('a'), nil, val('a')], false)).toEqual({ kind: 'value', value: 'a' });
    expect(decideQuorum([val({ x: 1 }), val({ x: 1 }), val({ x: 1 }), val('b'), val('b')], true)).toEqual({ kind: 'value', value: { x: 1 } });
  });

  it('waits while open (or, before the deadline, nil) slots could still make three', () => {
    expect(decideQuorum([open, open, open, open, open], false)).toEqual({ kind: 'wait' });
    expect(decideQuorum([val('a'), val('a'), open, val('b'), val('b')], false)).toEqual({ kind: 'wait' });
    expect(decideQuorum([val('a'), nil, nil, localNil, localNil], false)).toEqual({ kind: 'wait' });
  });

  it('no consensus once no value can reach three', () => {
    expect(decideQuorum([val('a'), val('a'), val('b'), val('b'), val('c')], false)).toEqual({ kind: 'no-consensus' });
    expect(decideQuorum([val('a'), val('b'), localNil, localNil, open], false)).toEqual({ kind: 'no-consensus' });
    // At the deadline nil answers count as final.
    expect(decideQuorum([val('a'), nil, nil, val('a'), localNil], true)).toEqual({ kind: 'no-consensus' });
  });

  it('not found as soon as final nils leave too few tables for three; timeout at the deadline with no value', () => {
    expect(decideQuorum([localNil, localNil, localNil, localNil, localNil], false)).toEqual({ kind: 'not-found' });
    expect(decideQuorum([localNil, localNil, localNil, open, open], false)).toEqual({ kind: 'not-found' });
    expect(decideQuorum([localNil, localNil, open, open, open], false)).toEqual({ kind: 'wait' });
    expect(decideQuorum([nil, nil, open, localNil, localNil], true)).toEqual({ kind: 'timeout' });
  });

  it('values are compared by their msgpack bytes, not identity', () => {
    const bytes = (n: number) => val(new Uint8Array([n, n]));
    expect(decideQuorum([bytes(1), bytes(1), bytes(1), bytes(2), open], false)).toMatchObject({ kind: 'value' });
  });
});
