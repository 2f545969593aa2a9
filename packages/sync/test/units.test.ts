/** Pure parts: the lease rules, the join-replay order, raw map merges, keys, payload parsing. */
import { describe, expect, it } from 'vitest';
import { MsgpackFloat, RawMsgpack, decodeArrayWithRaw, decodeMsgpack, encodeMsgpack, toHex, utf8Encode } from '@p2p/base';
import { fieldBytes as wireKey, keyBytes } from '@p2p/base';
import { keyId } from '../src/keys';
import { LEASE_SECONDS, allowed, compareOwners, supersedes, type Version } from '../src/lease';
import { lastOfSix, parseDelta, parseStore } from '../src/payloads';
import { isRawMap, joinRawMap, mergeRawMaps, splitRawMap } from '../src/raw-map';
import { RAW_ID } from './helpers';

const NOW = 1_800_000_000;
const on = { isDelta: false, leasing: true, now: NOW };
const off = { isDelta: false, leasing: false, now: NOW };
const meta = (owner: string, timestamp: number) => ({ owner, timestamp });

describe('allowed(): the six cases of PROTOCOL.md 5.2', () => {
  it('1: no metadata', () => {
    expect(allowed(undefined, meta('B', NOW), on)).toBe(true);
  });
  it('2: same owner, even an older write', () => {
    expect(allowed(meta('A', NOW), meta('A', NOW - 10), on)).toBe(true);
  });
  it('3: a delta with leasing off, even older', () => {
    expect(allowed(meta('A', NOW), meta('B', NOW - 10), { ...off, isDelta: true })).toBe(true);
    expect(allowed(meta('A', NOW), meta('B', NOW - 10), { ...on, isDelta: true })).toBe(false);
  });
  it('4: the lease lapsed by the receiver clock (strictly more than 3600 s)', () => {
    expect(allowed(meta('A', NOW - LEASE_SECONDS - 1), meta('B', NOW), on)).toBe(true);
    expect(allowed(meta('A', NOW - LEASE_SECONDS), meta('B', NOW), on)).toBe(false);
  });
  it('5: same second, the byte-wise smaller owner wins', () => {
    expect(allowed(meta('B', NOW), meta('A', NOW), on)).toBe(true);
    expect(allowed(meta('A', NOW), meta('B', NOW), on)).toBe(false);
    // Byte-wise: uppercase sorts before lowercase in base58 text.
    expect(compareOwners('Z', 'a')).toBeLessThan(0);
    expect(allowed(meta('a', NOW), meta('Z', NOW), on)).toBe(true);
  });
  it('6: a newer write with leasing off (last writer wins)', () => {
    expect(allowed(meta('A', NOW - 1), meta('B', NOW), off)).toBe(true);
    expect(allowed(meta('A', NOW - 1), meta('B', NOW), on)).toBe(false);
    expect(allowed(meta('A', NOW), meta('B', NOW - 1), off)).toBe(false);
  });
});

describe('supersedes(): the join-replay order', () => {
  const v = (owner: string, timestamp: number, value: unknown = 1): Version => ({ owner, timestamp, raw: encodeMsgpack(value) });
  const both = (x: Version, y: Version, leasing: boolean) => [
    supersedes(x, y, { leasing, now: NOW }),
    supersedes(y, x, { leasing, now: NOW }),
  ];

  it('is antisymmetric: exactly one of two different versions wins', () => {
    const versions = [v('A', NOW - 5), v('A', NOW), v('B', NOW - 5), v('B', NOW), v('A', NOW, 2), v('B', NOW - 4000), v('A', NOW - 4001)];
    for (const leasing of [true, false]) {
      for (const x of versions) {
        for (const y of versions) {
          if (x === y) continue;
          const [xy, yx] = both(x, y, leasing);
          expect(xy).not.toBe(yx);
        }
      }
    }
  });
  it('same owner: the later write wins, with or without leasing', () => {
    expect(both(v('A', NOW), v('A', NOW - 5), true)).toEqual([true, false]);
    expect(both(v('A', NOW), v('A', NOW - 5), false)).toEqual([true, false]);
  });
  it('leasing on, different owners, both live: the earlier write holds the lease', () => {
    expect(both(v('B', NOW - 5), v('A', NOW), true)).toEqual([true, false]);
  });
  it('leasing on, the earlier write lapsed: the later one wins', () => {
    expect(both(v('B', NOW - 3601), v('A', NOW - 1), true)).toEqual([false, true]);
  });
  it('leasing off: the later write wins', () => {
    expect(both(v('B', NOW - 5), v('A', NOW), false)).toEqual([false, true]);
  });
  it('same second: the smaller owner wins; same owner and second: the larger value bytes', () => {
    expect(both(v('A', NOW), v('B', NOW), true)).toEqual([true, false]);
    expect(both(v('A', NOW), v('B', NOW), false)).toEqual([true, false]);
    expect(both(v('A', NOW, 'b'), v('A', NOW, 'a'), true)).toEqual([true, false]);
  });
});

describe('raw maps', () => {
  it('splits and joins fixmap, map16 and map32 headers', () => {
    const small = encodeMsgpack({ a: 1, b: 'x' });
    expect(isRawMap(small)).toBe(true);
    expect(splitRawMap(small).map(([k, v]) => [decodeMsgpack(k), decodeMsgpack(v)])).toEqual([['a', 1], ['b', 'x']]);
    expect(joinRawMap(splitRawMap(small))).toEqual(small);
    const big = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`k${i}`, i]));
    const raw16 = encodeMsgpack(big);
    expect(raw16[0]).toBe(0xde);
    expect(joinRawMap(splitRawMap(raw16))).toEqual(raw16);
    const raw32 = new Uint8Array([0xdf, 0, 0, 0, 1, 0xa1, 0x61, 0x01]);
    expect(splitRawMap(raw32).map(([k, v]) => [decodeMsgpack(k), decodeMsgpack(v)])).toEqual([['a', 1]]);
    expect(isRawMap(encodeMsgpack([1]))).toBe(false);
    expect(isRawMap(encodeMsgpack('x'))).toBe(false);
  });
  it('merges as dict.update: positions kept, new keys appended, original bytes kept', () => {
    const base = encodeMsgpack(new Map<unknown, unknown>([['a', new MsgpackFloat(2)], [utf8Encode('bin'), 1], ['c', 3]]));
    const merged = mergeRawMaps(base, encodeMsgpack({ c: 30, d: 4 }));
    const pairs = splitRawMap(merged);
    expect(pairs.map(([k]) => decodeMsgpack(k))).toEqual(['a', utf8Encode('bin'), 'c', 'd']);
    expect(toHex(pairs[0]![1])).toBe('cb4000000000000000'); // 2.0 stays a float
    expect(decodeMsgpack(pairs[2]![1])).toBe(30);
    expect(decodeMsgpack(mergeRawMaps(undefined, encodeMsgpack({ x: 1 })))).toEqual({ x: 1 });
    // str 'bin' and bin b'bin' are different keys, as in Python 3.
    expect(splitRawMap(mergeRawMaps(base, encodeMsgpack({ bin: 9 })))).toHaveLength(4);
  });
});

describe('keys', () => {
  it('text is its UTF-8; every bytes-like form is the same key', () => {
    const bytes = new Uint8Array([0xe6, 0xb5, 0x8b, 0xe8, 0xaf, 0x95]);
    expect(keyBytes('测试')).toEqual(bytes);
    expect(keyId(keyBytes(Buffer.from(bytes)))).toBe(keyId(bytes));
    expect(keyId(keyBytes(bytes.buffer.slice(0)))).toBe(keyId(bytes));
    expect(keyId(keyBytes(new DataView(bytes.buffer)))).toBe(keyId(bytes));
    expect(() => keyBytes(5 as never)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(wireKey('测试')).toEqual(bytes);
    expect(wireKey(7)).toBeUndefined();
  });
});

describe('payload parsing', () => {
  const packedOf = (payload: unknown[]) => encodeMsgpack([0, utf8Encode(RAW_ID), NOW, ...payload]);
  const parse = (payload: unknown[]) => parseStore(payload, packedOf(payload));
  const k = utf8Encode('k');

  it('plain store, delete, and lengths other than 5 as py2p', () => {
    expect(parse([11, k, 'v'])).toEqual({ kind: 'store', key: k, raw: encodeMsgpack('v') });
    expect(parse([11, k, null])).toEqual({ kind: 'store', key: k, raw: undefined });
    expect(parse([11, 'k', 'v', 'extra'])).toMatchObject({ kind: 'store', key: k });
  });
  it('join replay with bin or str owner and int, bigint or float timestamps', () => {
    expect(parse([11, k, 'v', utf8Encode(RAW_ID), NOW])).toEqual({ kind: 'replay', key: k, raw: encodeMsgpack('v'), owner: RAW_ID, timestamp: NOW });
    expect(parse([11, k, 'v', RAW_ID, 2n ** 40n])).toMatchObject({ kind: 'replay', timestamp: 2 ** 40 });
    expect(parse([11, k, 'v', RAW_ID, 1.5])).toMatchObject({ kind: 'replay', timestamp: 1.5 });
  });
  it.each([
    ['too short', [11, k]],
    ['key not bin/str', [11, 5, 'v']],
    ['key a map', [11, { a: 1 }, 'v']],
    ['owner not an id', [11, k, 'v', 'not base58 0OIl', NOW]],
    ['owner an int', [11, k, 'v', 12, NOW]],
    ['owner invalid UTF-8', [11, k, 'v', new Uint8Array([0xff]), NOW]],
    ['timestamp a string', [11, k, 'v', RAW_ID, 'yesterday']],
    ['timestamp nil', [11, k, 'v', RAW_ID, null]],
    ['replay without a value', [11, k, null, RAW_ID, NOW]],
  ])('malformed store: %s', (_name, payload) => {
    expect(parse(payload as unknown[]).kind).toBe('malformed');
  });
  it('deltas: key and map required', () => {
    const d = [17, k, { x: 1 }];
    expect(parseDelta(d, packedOf(d))).toEqual({ kind: 'delta', key: k, raw: encodeMsgpack({ x: 1 }) });
    for (const bad of [[17, k], [17, 1, { x: 1 }], [17, k, [1]], [17, k, 'x']]) {
      expect(parseDelta(bad, packedOf(bad)).kind).toBe('malformed');
    }
  });
});

describe('lastOfSix: the value of a live store or delta without decoding', () => {
  const long = (n: number) => new Uint8Array(n).fill(7);
  const headers: unknown[][] = [
    [0, utf8Encode(RAW_ID), NOW, 11, utf8Encode('k')],
    [3, RAW_ID, NOW, 17, 'k'],
    [0, RAW_ID, 1, 11, long(300)],
    [0, RAW_ID, 2 ** 40, 11, long(70_000)],
    [0, RAW_ID, -5, 11, 'x'.repeat(40)],
    [0, RAW_ID, new MsgpackFloat(1.5), 11, 'x'.repeat(300)],
    [0, RAW_ID, -(2 ** 40), 11, true],
    [0, null, -200, 11, false],
    [0, RAW_ID, 200, 11, 'x'.repeat(70_000)],
  ];
  const values: unknown[] = ['v', null, 1, { a: [1, 2, { b: long(3) }] }, [1, 'two'], long(256), new RawMsgpack(new Uint8Array([0xcb, 0x40, 0, 0, 0, 0, 0, 0, 0]))];

  it('finds exactly the bytes the full decoder finds', () => {
    for (const header of headers) {
      for (const value of values) {
        const packed = encodeMsgpack([...header, value]);
        expect(toHex(lastOfSix(packed)!)).toBe(toHex(decodeArrayWithRaw(packed).raw[5]!));
      }
    }
  });
  it('gives up (undefined) on other lengths and on a non-scalar header element', () => {
    expect(lastOfSix(encodeMsgpack([0, RAW_ID, NOW, 11, 'k', 'v', RAW_ID, NOW]))).toBeUndefined();
    expect(lastOfSix(encodeMsgpack([0, RAW_ID, NOW, 11, 'k']))).toBeUndefined();
    expect(lastOfSix(encodeMsgpack([0, RAW_ID, NOW, 11, { a: 1 }, 'v']))).toBeUndefined();
    expect(lastOfSix(encodeMsgpack([0, RAW_ID, NOW, [11], 'k', 'v']))).toBeUndefined();
    expect(lastOfSix(encodeMsgpack('not an array'))).toBeUndefined();
  });
});
