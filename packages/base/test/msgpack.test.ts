import { describe, expect, it } from 'vitest';
import { fromHex, toHex, utf8Encode } from '../src/bytes';
import { P2PError } from '../src/errors';
import { decodeArrayWithRaw, decodeMsgpack, encodeMsgpack, MsgpackFloat, RawMsgpack } from '../src/msgpack';
import { encodePacket } from '../src/msgpack-encode';
import { codeOf, loadFixture, prng, randomBytes, toDecoded, toEncodable } from './helpers';

interface FrameCase {
  label: string;
  msg_type: number;
  sender: string;
  time: number;
  payload: unknown[];
  compression: number | null;
  msgpack: string | null;
}

const frames = loadFixture<{ cases: FrameCase[] }>('frames.json');
const hex = (v: unknown): string => toHex(encodeMsgpack(v));

describe('msgpack encoder widths (PROTOCOL.md 1.5, as umsgpack)', () => {
  const cases: [unknown, string][] = [
    [0, '00'],
    [127, '7f'],
    [128, 'cc80'],
    [255, 'ccff'],
    [256, 'cd0100'],
    [65535, 'cdffff'],
    [65536, 'ce00010000'],
    [1500000000, 'ce59682f00'],
    [4294967295, 'ceffffffff'],
    [4294967296, 'cf0000000100000000'],
    [Number.MAX_SAFE_INTEGER, 'cf001fffffffffffff'],
    [-1, 'ff'],
    [-32, 'e0'],
    [-33, 'd0df'],
    [-128, 'd080'],
    [-129, 'd1ff7f'],
    [-32768, 'd18000'],
    [-32769, 'd2ffff7fff'],
    [-2147483648, 'd280000000'],
    [-2147483649, 'd3ffffffff7fffffff'],
    [Number.MIN_SAFE_INTEGER, 'd3ffe0000000000001'],
    [5n, '05'],
    [-5n, 'fb'],
    [(1n << 64n) - 1n, 'cfffffffffffffffff'],
    [1n << 63n, 'cf8000000000000000'],
    [-(1n << 63n), 'd38000000000000000'],
    [(1n << 53n) + 1n, 'cf0020000000000001'],
    [-(1n << 53n) - 1n, 'd3ffdfffffffffffff'],
    [-0, '00'],
    [1.5, 'cb3ff8000000000000'],
    [-0.25, 'cbbfd0000000000000'],
    [new MsgpackFloat(2), 'cb4000000000000000'],
    [2 ** 60, 'cb43b0000000000000'],
    [null, 'c0'],
    [undefined, 'c0'],
    [false, 'c2'],
    [true, 'c3'],
    ['', 'a0'],
    ['a', 'a161'],
    [new Uint8Array(0), 'c400'],
    [[], '90'],
    [{}, '80'],
    [new Map(), '80'],
  ];
  for (const [value, expected] of cases) {
    it(`${typeof value === 'bigint' ? `${value}n` : String(value)} -> ${expected}`, () => {
      expect(hex(value)).toBe(expected);
    });
  }

  it('NaN and infinities are float64', () => {
    expect(hex(Number.NaN).slice(0, 2)).toBe('cb');
    expect(hex(Number.POSITIVE_INFINITY)).toBe('cb7ff0000000000000');
  });

  it('str header boundaries, counted in UTF-8 bytes', () => {
    expect(hex('x'.repeat(31)).slice(0, 2)).toBe('bf');
    expect(hex('x'.repeat(32)).slice(0, 4)).toBe('d920');
    expect(hex('x'.repeat(255)).slice(0, 4)).toBe('d9ff');
    expect(hex('x'.repeat(256)).slice(0, 6)).toBe('da0100');
    expect(hex('x'.repeat(65535)).slice(0, 6)).toBe('daffff');
    expect(hex('x'.repeat(65536)).slice(0, 10)).toBe('db00010000');
    // 16 two-byte chars: 16 code units but 32 bytes, so str8 and not fixstr.
    expect(hex('é'.repeat(16))).toBe('d920' + 'c3a9'.repeat(16));
    expect(hex('é'.repeat(15))).toBe('be' + 'c3a9'.repeat(15));
    // 40 three-byte chars: reserved header shrinks after encodeInto.
    expect(hex('测'.repeat(40))).toBe('d978' + toHex(utf8Encode('测'.repeat(40))));
    expect(hex('测'.repeat(100)).slice(0, 6)).toBe('da012c');
  });

  it('encodes text exactly like TextEncoder, surrogates included', () => {
    const samples = ['😀', 'a😀b', '\ud800', 'x\udc00y', '\ud83d', 'é测😀'.repeat(20), '\ud800'.repeat(40)];
    for (const s of samples) {
      const bytes = encodeMsgpack(s);
      const expected = new TextEncoder().encode(s);
      expect(toHex(bytes.subarray(bytes.length - expected.length))).toBe(toHex(expected));
      expect(decodeMsgpack(bytes)).toBe(new TextDecoder().decode(expected));
    }
  });

  it('bin header boundaries and byte-like inputs', () => {
    expect(hex(new Uint8Array(255)).slice(0, 4)).toBe('c4ff');
    expect(hex(new Uint8Array(256)).slice(0, 6)).toBe('c50100');
    expect(hex(new Uint8Array(65536)).slice(0, 10)).toBe('c600010000');
    expect(hex(Buffer.from('ab'))).toBe('c4026162');
    expect(hex(new Uint8Array([1, 2, 3]).buffer)).toBe('c403010203');
    expect(hex(new Uint8Array([0, 1, 2, 3]).subarray(1, 3))).toBe('c4020102');
    expect(hex(new Int8Array([-1]))).toBe('c401ff');
    expect(hex(new DataView(new Uint8Array([7, 8]).buffer, 1))).toBe('c40108');
  });

  it('array and map header boundaries', () => {
    expect(hex(new Array(15).fill(0)).slice(0, 2)).toBe('9f');
    expect(hex(new Array(16).fill(0)).slice(0, 6)).toBe('dc0010');
    expect(hex(new Array(65536).fill(0)).slice(0, 10)).toBe('dd00010000');
    const obj = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, i]));
    expect(hex(obj(15)).slice(0, 2)).toBe('8f');
    expect(hex(obj(16)).slice(0, 6)).toBe('de0010');
    expect(hex(new Map(Array.from({ length: 65536 }, (_, i) => [i, 0]))).slice(0, 10)).toBe('df00010000');
  });

  it('maps keep insertion order and any key type', () => {
    const m = new Map<unknown, unknown>([
      [fromHex('6b'), 1],
      ['s', 2],
      [3, [null]],
    ]);
    expect(hex(m)).toBe('83c4016b01a1730203' + '91c0');
    expect(hex({ b: 1, a: 2 })).toBe('82a16201a16102');
    const bare = Object.create(null) as Record<string, unknown>;
    bare.x = true;
    expect(hex(bare)).toBe('81a178c3');
  });

  it('splices RawMsgpack verbatim', () => {
    const raw = new RawMsgpack(fromHex('cb4000000000000000'));
    expect(hex([1, raw, 'x'])).toBe('9301cb4000000000000000a178');
  });

  it('grows its buffer across many values', () => {
    const value = Array.from({ length: 5000 }, (_, i) => [i, `s${i}`, new Uint8Array(i % 300).fill(i & 0xff)]);
    const bytes = encodeMsgpack(value);
    const decoded = decodeMsgpack(bytes) as unknown[][];
    expect(decoded).toHaveLength(5000);
    expect(decoded[4999]).toEqual(value[4999]);
    expect(toHex(encodeMsgpack(decoded))).toBe(toHex(bytes));
  });

  it('rejects what py2p could not decode', () => {
    class Thing {
      x = 1;
    }
    const cyclic: unknown[] = [];
    cyclic.push(cyclic);
    const cyclicObj: Record<string, unknown> = {};
    cyclicObj.self = cyclicObj;
    const rejected: unknown[] = [
      () => 1,
      Symbol('s'),
      new Date(0),
      new Thing(),
      new Set([1]),
      new Float32Array(1),
      new Uint16Array(1),
      cyclic,
      cyclicObj,
      1n << 64n,
      -(1n << 63n) - 1n,
      [1, [2, () => 3]],
    ];
    for (const value of rejected) expect(codeOf(() => encodeMsgpack(value))).toBe('ENCODE_ERROR');
  });
});

describe('msgpack vectors (frames.json)', () => {
  for (const c of frames.cases.filter((x) => x.compression === null && x.msgpack !== null)) {
    it(`${c.label}: encodes byte for byte and decodes`, () => {
      const array = [c.msg_type, utf8Encode(c.sender), c.time, ...(toEncodable(c.payload) as unknown[])];
      expect(hex(array)).toBe(c.msgpack);
      const decoded = decodeMsgpack(fromHex(c.msgpack!));
      expect(decoded).toEqual([c.msg_type, utf8Encode(c.sender), c.time, ...(toDecoded(c.payload) as unknown[])]);
    });
  }
});

describe('msgpack decoder', () => {
  it('decodes strings of every short length, ASCII or not, and one after another in a map', () => {
    for (let n = 0; n <= 40; n++) {
      const ascii = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGH'.slice(0, n);
      expect(decodeMsgpack(encodeMsgpack(ascii))).toBe(ascii);
      if (n === 0) continue;
      // One non-ASCII character at the start, the middle or the end of the string.
      for (const at of [0, Math.floor(n / 2), n - 1]) {
        const mixed = `${ascii.slice(0, at)}é${ascii.slice(at + 1)}`;
        expect(decodeMsgpack(encodeMsgpack(mixed))).toBe(mixed);
      }
    }
    // Strings of the same length in one value each get their own text (the codes array is reused).
    expect(decodeMsgpack(encodeMsgpack({ abc: 'xyz', def: ['uvw', 'rst'] }))).toEqual({ abc: 'xyz', def: ['uvw', 'rst'] });
  });

  it('returns numbers when safe and bigints otherwise', () => {
    expect(decodeMsgpack(fromHex('cf001fffffffffffff'))).toBe(Number.MAX_SAFE_INTEGER);
    expect(decodeMsgpack(fromHex('cf0020000000000000'))).toBe(1n << 53n);
    expect(decodeMsgpack(fromHex('cfffffffffffffffff'))).toBe((1n << 64n) - 1n);
    expect(decodeMsgpack(fromHex('d3ffe0000000000001'))).toBe(Number.MIN_SAFE_INTEGER);
    expect(decodeMsgpack(fromHex('d3ffe0000000000000'))).toBe(-(1n << 53n));
    expect(decodeMsgpack(fromHex('d38000000000000000'))).toBe(-(1n << 63n));
    expect(decodeMsgpack(fromHex('d3ffffffffffffffff'))).toBe(-1);
    expect(decodeMsgpack(fromHex('d30000000000000005'))).toBe(5);
    expect(decodeMsgpack(fromHex('ca3fc00000'))).toBe(1.5);
    expect(decodeMsgpack(fromHex('cb4000000000000000'))).toBe(2);
    expect(decodeMsgpack(fromHex('d0ff'))).toBe(-1);
    expect(decodeMsgpack(fromHex('d1ff7f'))).toBe(-129);
  });

  it('returns bin as a plain Uint8Array view, even from a Buffer', () => {
    const input = Buffer.from('c403010203', 'hex');
    const out = decodeMsgpack(input) as Uint8Array;
    expect(Buffer.isBuffer(out)).toBe(false);
    expect(out).toEqual(new Uint8Array([1, 2, 3]));
    expect(out.buffer).toBe(input.buffer);
  });

  it('maps: plain objects for string keys, Map otherwise', () => {
    expect(decodeMsgpack(fromHex('82a16b01a16e02'))).toEqual({ k: 1, n: 2 });
    const binKeys = decodeMsgpack(fromHex('82a16101c4016202'));
    expect(binKeys).toBeInstanceOf(Map);
    expect([...(binKeys as Map<unknown, unknown>)]).toEqual([
      ['a', 1],
      [fromHex('62'), 2],
    ]);
    const intKeys = decodeMsgpack(fromHex('810102')) as Map<unknown, unknown>;
    expect(intKeys.get(1)).toBe(2);
    const proto = decodeMsgpack(encodeMsgpack(new Map([['__proto__', { polluted: true }]])));
    expect(proto).toBeInstanceOf(Map);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(decodeMsgpack(fromHex('82a16101a16102'))).toEqual({ a: 2 });
  });

  it('rejects malformed input with BAD_MSGPACK', () => {
    const bad = [
      '',
      'c1',
      'c0c0',
      '92',
      '9201',
      'a2',
      'a161ff',
      'cd01',
      'cf00000000',
      'c7010000',
      'c801000000',
      'c90000000100',
      'd40000',
      'd5000000',
      'd6000000000000',
      'd7000000000000000000',
      'd800' + '00'.repeat(16),
      'dbffffffff',
      'c6ffffffff00',
      'ddffffffff',
      'dfffffffff',
      'de0001',
      'a2c328', // invalid UTF-8
      'a3eda080', // UTF-8 encoded surrogate
    ];
    for (const h of bad) expect(codeOf(() => decodeMsgpack(fromHex(h))), h).toBe('BAD_MSGPACK');
  });

  // An announced length is checked against the bytes left before anything is allocated (the
  // stress suite's decode-cost scenario measures what that saves; tests do not time it).
  it('rejects huge announced lengths', () => {
    expect(codeOf(() => decodeMsgpack(fromHex('ddffffffff')))).toBe('BAD_MSGPACK');
    expect(codeOf(() => decodeMsgpack(fromHex('dbfffffff0')))).toBe('BAD_MSGPACK');
  });

  it('enforces maxDepth and maxLength', () => {
    const nest = (n: number): unknown => (n === 0 ? 0 : [nest(n - 1)]);
    expect(decodeMsgpack(encodeMsgpack(nest(64)))).toEqual(nest(64));
    expect(codeOf(() => decodeMsgpack(encodeMsgpack(nest(65))))).toBe('BAD_MSGPACK');
    expect(codeOf(() => decodeMsgpack(encodeMsgpack(nest(3)), { maxDepth: 2 }))).toBe('BAD_MSGPACK');
    expect(codeOf(() => decodeMsgpack(fromHex('81' + 'a0'.repeat(2)), { maxDepth: 0 }))).toBe('BAD_MSGPACK');
    // 100k nested arrays: rejected by depth, not by a stack overflow.
    expect(codeOf(() => decodeMsgpack(new Uint8Array(100_000).fill(0x91)))).toBe('BAD_MSGPACK');
    expect(codeOf(() => decodeMsgpack(encodeMsgpack('x'.repeat(10)), { maxLength: 9 }))).toBe('BAD_MSGPACK');
    expect(decodeMsgpack(encodeMsgpack('x'.repeat(9)), { maxLength: 9 })).toBe('x'.repeat(9));
  });

  it('rejects every truncation of a valid encoding', () => {
    const value = [1, -200, 70000, 1n << 60n, 'héllo', fromHex('0102'), { a: [null, true] }, new MsgpackFloat(1), 'x'.repeat(40)];
    const bytes = encodeMsgpack(value);
    for (let n = 0; n < bytes.length; n++) {
      expect(codeOf(() => decodeMsgpack(bytes.subarray(0, n)))).toBe('BAD_MSGPACK');
    }
  });
});

describe('decodeArrayWithRaw', () => {
  it('returns each element with its exact bytes', () => {
    const bytes = fromHex('9401cb4000000000000000' + '81c4016b90' + 'a178');
    const { values, raw } = decodeArrayWithRaw(bytes);
    expect(values[0]).toBe(1);
    expect(values[1]).toBe(2);
    expect(raw.map(toHex)).toEqual(['01', 'cb4000000000000000', '81c4016b90', 'a178']);
    // Re-sending a stored value keeps its float typing and bin map key.
    expect(toHex(encodeMsgpack(raw.map((r) => new RawMsgpack(r))))).toBe(toHex(bytes));
  });

  it('handles array16 and array32 headers and rejects non-arrays and trailing bytes', () => {
    expect(decodeArrayWithRaw(fromHex('dc000201c0')).values).toEqual([1, null]);
    expect(decodeArrayWithRaw(fromHex('dd0000000101')).raw.map(toHex)).toEqual(['01']);
    expect(decodeArrayWithRaw(fromHex('90')).values).toEqual([]);
    for (const h of ['', '01', '81a0a0', '9101c0', '92', 'dc00', 'ddffffffff']) {
      expect(codeOf(() => decodeArrayWithRaw(fromHex(h))), h).toBe('BAD_MSGPACK');
    }
  });
});

describe('msgpack properties (seeded)', () => {
  function randomValue(rand: () => number, depth: number): unknown {
    const pick = Math.floor(rand() * (depth > 3 ? 8 : 11));
    switch (pick) {
      case 0:
        return Math.floor((rand() - 0.5) * 2 ** Math.floor(rand() * 54));
      case 1:
        return rand() < 0.5 ? BigInt.asUintN(64, BigInt(Math.floor(rand() * 2 ** 53)) << 11n) : BigInt.asIntN(64, BigInt(Math.floor(rand() * 2 ** 53)) << 11n);
      case 2:
        return (rand() - 0.5) * 1e6 + 0.5;
      case 3: {
        const n = Math.floor(rand() * 50);
        let s = '';
        for (let i = 0; i < n; i++) s += String.fromCodePoint(rand() < 0.7 ? 0x20 + Math.floor(rand() * 90) : 0xa0 + Math.floor(rand() * 0x1ff00));
        return s.replace(/[\ud800-\udfff]/g, 'x');
      }
      case 4:
        return randomBytes(rand, Math.floor(rand() * 300));
      case 5:
        return null;
      case 6:
        return rand() < 0.5;
      case 7:
        return 'k' + Math.floor(rand() * 1000);
      case 8:
        return Array.from({ length: Math.floor(rand() * 20) }, () => randomValue(rand, depth + 1));
      case 9:
        return Object.fromEntries(Array.from({ length: Math.floor(rand() * 6) }, (_, i) => [`f${i}`, randomValue(rand, depth + 1)]));
      default:
        return new Map(Array.from({ length: Math.floor(rand() * 5) }, (_, i) => [randomBytes(rand, i + 1), randomValue(rand, depth + 1)]));
    }
  }

  function normalise(v: unknown): unknown {
    if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) && BigInt(Number(v)) === v ? Number(v) : v;
    if (Array.isArray(v)) return v.map(normalise);
    // An empty map has no non-string key, so it decodes as {}.
    if (v instanceof Map) return v.size === 0 ? {} : new Map([...v].map(([k, x]) => [k, normalise(x)]));
    if (v instanceof Uint8Array) return v;
    if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, normalise(x)]));
    return v;
  }

  it('round trips 1500 random values, and re-encoding is stable', () => {
    const rand = prng(1234);
    for (let i = 0; i < 1500; i++) {
      const value = randomValue(rand, 0);
      const bytes = encodeMsgpack(value);
      const decoded = decodeMsgpack(bytes);
      expect(decoded).toEqual(normalise(value));
      expect(toHex(encodeMsgpack(decoded))).toBe(toHex(bytes));
    }
  });

  it('fuzz: random and mutated bytes only ever throw BAD_MSGPACK', () => {
    const rand = prng(99);
    const seeds = Array.from({ length: 40 }, () => encodeMsgpack(randomValue(rand, 0)));
    for (let i = 0; i < 6000; i++) {
      let input: Uint8Array;
      if (i % 2 === 0) {
        input = randomBytes(rand, Math.floor(rand() * 40));
      } else {
        input = seeds[i % seeds.length]!.slice();
        for (let m = 0; m < 3 && input.length > 0; m++) input[Math.floor(rand() * input.length)] = Math.floor(rand() * 256);
      }
      try {
        decodeMsgpack(input);
        decodeArrayWithRaw(input);
      } catch (err) {
        expect(err).toBeInstanceOf(P2PError);
        expect((err as P2PError).code).toBe('BAD_MSGPACK');
      }
    }
  });
});

describe('msgpack encoder reuse', () => {
  it('every result is an array of its own, exactly as long as its encoding', () => {
    const a = encodeMsgpack(['first', new Uint8Array(100)]);
    const aHex = toHex(a);
    const b = encodeMsgpack(['second', new Uint8Array(100).fill(9)]);
    expect(a.buffer).not.toBe(b.buffer);
    for (const out of [a, b]) {
      expect(out.byteOffset).toBe(0);
      expect(out.buffer.byteLength).toBe(out.length);
    }
    expect(toHex(a)).toBe(aHex);
  });

  it('an encode started from inside an encode (a getter) gets its own encoder', () => {
    const inner = { deep: [1, 2, 'three'] };
    let nested: Uint8Array | undefined;
    const outer = {
      before: 'x'.repeat(40),
      get value() {
        nested = encodeMsgpack(inner);
        return 'v';
      },
      after: 7,
    };
    const out = encodeMsgpack(outer);
    expect(decodeMsgpack(out)).toEqual({ before: 'x'.repeat(40), value: 'v', after: 7 });
    expect(decodeMsgpack(nested!)).toEqual(inner);
    expect(toHex(encodeMsgpack(outer))).toBe(toHex(out));
  });

  it('works after a failed encode and after a value larger than the kept scratch', () => {
    expect(codeOf(() => encodeMsgpack(['partly written', new Uint8Array(5000), () => 1]))).toBe('ENCODE_ERROR');
    expect(hex([1, 'a'])).toBe('9201a161');
    const big = new Uint8Array(3 << 19).fill(3);
    const bigOut = encodeMsgpack([big]);
    expect(bigOut.length).toBe(1 + 5 + big.length);
    expect(hex([2, 'b'])).toBe('9202a162');
    const back = (decodeMsgpack(bigOut) as Uint8Array[])[0]!;
    expect(back.length === big.length && back.every((b) => b === 3)).toBe(true);
  });

  it('encodePacket writes each of many senders as its own bytes (recent ones are remembered)', () => {
    const senders = Array.from({ length: 150 }, (_, i) => `sender-${i}-`.padEnd(20 + (i % 90), String.fromCharCode(65 + (i % 26))));
    for (let round = 0; round < 3; round++) {
      senders.forEach((sender, i) => {
        const expected = encodeMsgpack([2, utf8Encode(sender), 7, i]);
        expect(toHex(encodePacket(2, sender, 7, [i]))).toBe(toHex(expected));
      });
    }
  });

  it('encodePacket is encodeMsgpack([type, utf8Encode(sender), time, ...payload])', () => {
    const rand = prng(17);
    const senders = ['', 'a', 'x'.repeat(31), 'x'.repeat(64), 'Q'.repeat(66), 'é'.repeat(40), '\ud800x', 'y'.repeat(100) + '😀', 'z'.repeat(300), 'w'.repeat(70_000)];
    for (const sender of senders) {
      for (let i = 0; i < 5; i++) {
        const payload = Array.from({ length: Math.floor(rand() * 20) }, (_, j) => (j % 3 === 0 ? randomBytes(rand, j * 7) : j % 3 === 1 ? `t${j}` : j * 1000));
        const time = i === 0 ? 1.5 : 1_700_000_000 + i;
        const expected = encodeMsgpack([i, utf8Encode(sender), time, ...payload]);
        expect(toHex(encodePacket(i, sender, time, payload))).toBe(toHex(expected));
      }
    }
  });
});
