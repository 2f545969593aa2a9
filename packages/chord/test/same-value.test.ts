import { describe, expect, it } from 'vitest';
import { MsgpackFloat, decodeMsgpack, encodeMsgpack } from '@p2p/base';
import { ValueGroups, sameValue } from '../src/same-value';

describe('sameValue / ValueGroups: equality of decoded answers (PROTOCOL.md 6.5)', () => {
  it('compares decoded msgpack values structurally', () => {
    expect(sameValue({ i: 1, payload: 'x' }, { i: 1, payload: 'x' })).toBe(true);
    expect(sameValue({ i: 1, payload: 'x' }, { i: 2, payload: 'x' })).toBe(false);
    expect(sameValue([1, [2, new Uint8Array([3])]], [1, [2, new Uint8Array([3])]])).toBe(true);
    expect(sameValue(new Uint8Array([1, 2]), new Uint8Array([1, 3]))).toBe(false);
    expect(sameValue([1, 2], [1, 2, 3])).toBe(false);
    expect(sameValue(new Map([[1, 'a']]), new Map([[1, 'a']]))).toBe(true);
    expect(sameValue(new Map([[1, 'a']]), new Map([[1, 'b']]))).toBe(false);
    expect(sameValue(Number.NaN, Number.NaN)).toBe(true);
    expect(sameValue(1, '1')).toBe(false);
    expect(sameValue(null, {})).toBe(false);
    expect(sameValue(10n ** 30n, 10n ** 30n)).toBe(true);
  });

  it('maps with text keys are dictionaries: key order does not matter (as py2p compares dicts)', () => {
    expect(sameValue({ a: 1, b: 2 }, { b: 2, a: 1 })).toBe(true);
    expect(sameValue({ a: 1 }, { a: 1, b: undefined })).toBe(false);
  });

  it('groups answers: raw bytes first, then structure, then canonical encodings for anything else', () => {
    const groups = new ValueGroups();
    const v = { i: 7, payload: 'x'.repeat(32) };
    const raw = encodeMsgpack(v);
    expect(groups.groupOf(v, raw)).toBe(0);
    // The same value decoded from another replica's bytes, with and without its bytes at hand.
    expect(groups.groupOf(decodeMsgpack(raw), undefined)).toBe(0);
    expect(groups.groupOf(decodeMsgpack(raw), raw.slice())).toBe(0);
    expect(groups.groupOf({ i: 8, payload: 'x' }, undefined)).toBe(1);
    // A user's Map with text keys travels as a map and is decoded as a plain object: same value.
    const m = new Groups();
    expect(m.of(new Map([['a', 1]]))).toBe(0);
    expect(m.of({ a: 1 })).toBe(0);
    // A float and the same number as a MsgpackFloat encode alike.
    expect(m.of(new MsgpackFloat(1.5))).toBe(1);
    expect(m.of(1.5)).toBe(1);
    expect(m.of('other')).toBe(2);
  });
});

/** Groups of values without their bytes. */
class Groups {
  readonly #g = new ValueGroups();
  of(value: unknown): number {
    return this.#g.groupOf(value, undefined);
  }
}
