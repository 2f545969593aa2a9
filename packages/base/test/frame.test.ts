import { gunzipSync, inflateSync } from 'node:zlib';
import { uncompress as snappyjsUncompress } from 'snappyjs';
import { describe, expect, it } from 'vitest';
import { bytesEqual, concatBytes, fromHex, toHex, utf8Encode } from '../src/bytes';
import { decodeCandidates, DEFAULT_COMPRESSIONS, getCompression, isSupportedCompression } from '../src/compression';
import { P2PError } from '../src/errors';
import { DEFAULT_MAX_FRAME_BYTES, encodeFrame, frameFromPacked, packPacket, type PacketFields } from '../src/frame';
import { decodeFrame, decodeFrameBody, peekBroadcastId } from '../src/frame-decode';
import { CompressionFlags, MainFlags, SubFlags } from '../src/flags';
import { FrameReader } from '../src/frame-reader';
import { sha256 } from '../src/hash';
import { encodeMsgpack } from '../src/msgpack';
import { codeOf, errorOf, flipByte, loadFixture, prng, randomBytes, toDecoded, toEncodable } from './helpers';

interface FrameCase {
  label: string;
  msg_type: number;
  sender: string;
  time: number;
  payload: unknown[];
  compression: number | null;
  frame: string;
  length_header: number;
  inner: string | null;
  inner_sha256: string;
  msgpack: string | null;
  id: string;
  bytes_may_differ: boolean;
}

interface FramesVectors {
  compression_preference: number[];
  compression_flags: Record<string, number>;
  cases: FrameCase[];
  rejects: { label: string; frame: string; error: string }[];
}

interface WireRecord {
  compression: number | null;
  frame_len: number;
  packets: unknown[];
  frame: string;
}

interface HandshakeVectors {
  steps: { step: string; sent?: WireRecord[]; received?: WireRecord[] }[];
}

const vectors = loadFixture<FramesVectors>('frames.json');
const handshake = loadFixture<HandshakeVectors>('handshake.json');

// vitest's deep equality is slow on 64 KiB payloads; their msgpack is an exact, faster proxy.
function expectPayload(actual: readonly unknown[], typed: unknown[]): void {
  const expected = toDecoded(typed) as unknown[];
  if (toHex(encodeMsgpack(expected)).length > 20_000) expect(toHex(encodeMsgpack(actual))).toBe(toHex(encodeMsgpack(expected)));
  else expect(actual).toEqual(expected);
}

// zlib and gzip decoders accept either wrapper (PROTOCOL.md 1.7.1), so either may claim a frame.
const sameFormat = (flag: number): number[] => (flag === 0x11 || flag === 0x13 ? [0x11, 0x13] : [flag]);

function fieldsOf(c: FrameCase): PacketFields {
  return { type: c.msg_type, sender: c.sender, time: c.time, payload: toEncodable(c.payload) as unknown[] };
}

describe('frames.json, uncompressed: byte for byte', () => {
  for (const c of vectors.cases.filter((x) => x.compression === null)) {
    it(c.label, () => {
      const frame = fromHex(c.frame);
      expect(toHex(encodeFrame(fieldsOf(c)))).toBe(c.frame);
      const { packed, id } = packPacket(fieldsOf(c));
      expect(toHex(id)).toBe(c.id);
      if (c.msgpack !== null) expect(toHex(packed)).toBe(c.msgpack);
      expect(toHex(sha256(concatBytes(id, packed)))).toBe(c.inner_sha256);
      expect(toHex(frameFromPacked(packed, id))).toBe(c.frame);

      const msg = decodeFrame(frame);
      expect(msg.type).toBe(c.msg_type);
      expect(msg.sender).toBe(c.sender);
      expect(msg.time).toBe(c.time);
      expectPayload(msg.payload, c.payload);
      expect(toHex(msg.id)).toBe(c.id);
      expect(toHex(msg.packed)).toBe(toHex(packed));
      expect(msg.frameLength).toBe(4 + c.length_header);
      expect(msg.frameLength).toBe(frame.length);
      expect(msg.compression).toBeNull();
      // A relay re-frames the received bytes unchanged.
      expect(toHex(frameFromPacked(msg.packed, msg.id))).toBe(c.frame);
    });
  }
});

describe('frames.json, compressed: decode to inner', () => {
  for (const c of vectors.cases.filter((x) => x.compression !== null)) {
    const flag = c.compression!;
    if (!isSupportedCompression(flag)) {
      it(`${c.label} [0x${flag.toString(16)}, not implemented]: typed failure`, () => {
        const frame = fromHex(c.frame);
        expect(codeOf(() => decodeFrame(frame, { candidates: [flag] }))).toBe('UNKNOWN_COMPRESSION');
        // With the TS candidate list the raw attempt fails its checksum: the link must drop.
        expect(codeOf(() => decodeFrame(frame, { candidates: decodeCandidates([flag]) }))).toBe('BAD_CHECKSUM');
      });
      continue;
    }
    it(`${c.label} [0x${flag.toString(16)}]`, () => {
      expect(c.bytes_may_differ).toBe(true);
      const frame = fromHex(c.frame);
      expect((frame[0]! << 24) | (frame[1]! << 16) | (frame[2]! << 8) | frame[3]!).toBe(c.length_header);
      for (const candidates of [[flag], decodeCandidates(vectors.compression_preference), decodeCandidates([], DEFAULT_COMPRESSIONS)]) {
        const msg = decodeFrame(frame, { candidates });
        if (candidates.length === 1) expect(msg.compression).toBe(flag);
        else expect(sameFormat(flag)).toContain(msg.compression);
        expect(toHex(msg.id)).toBe(c.id);
        expect(toHex(sha256(concatBytes(msg.id, msg.packed)))).toBe(c.inner_sha256);
        if (c.inner !== null) expect(toHex(msg.id) + toHex(msg.packed)).toBe(c.inner);
        expect(msg.type).toBe(c.msg_type);
        expect(msg.sender).toBe(c.sender);
        expect(msg.time).toBe(c.time);
        expectPayload(msg.payload, c.payload);
        expect(msg.frameLength).toBe(frame.length);
      }
      // Our own compressed frame carries the same inner bytes.
      const ours = encodeFrame(fieldsOf(c), { compression: flag });
      const inner = getCompression(flag).decompress(ours.subarray(4), DEFAULT_MAX_FRAME_BYTES);
      expect(toHex(sha256(inner))).toBe(c.inner_sha256);
      const back = decodeFrame(ours, { candidates: [flag] });
      expect(toHex(back.id)).toBe(c.id);
      expect(back.compression).toBe(flag);
    });
  }
});

describe('frames.json rejects', () => {
  const [flipped, tooBig] = vectors.rejects;
  it('a flipped checksum byte is BAD_CHECKSUM', () => {
    expect(flipped!.label).toMatch(/checksum/);
    expect(codeOf(() => decodeFrame(fromHex(flipped!.frame)))).toBe('BAD_CHECKSUM');
    expect(codeOf(() => decodeFrame(fromHex(flipped!.frame), { candidates: decodeCandidates([0x13, 0x11]) }))).toBe('BAD_CHECKSUM');
  });

  it('a length header one too big is TRUNCATED_FRAME, and the reader waits for more', () => {
    expect(tooBig!.label).toMatch(/length header/);
    const frame = fromHex(tooBig!.frame);
    expect(codeOf(() => decodeFrame(frame))).toBe('TRUNCATED_FRAME');
    const reader = new FrameReader();
    expect(reader.push(frame)).toEqual([]);
    expect(reader.hasPartialFrame).toBe(true);
    expect(reader.bufferedBytes).toBe(frame.length);
  });
});

describe('handshake.json recorded frames', () => {
  for (const step of handshake.steps) {
    const records = [...(step.sent ?? []).map((r) => ['sent', r] as const), ...(step.received ?? []).map((r) => ['received', r] as const)];
    records.forEach(([dir, r], i) => {
      it(`${step.step.slice(0, 60)}… ${dir} #${i}`, () => {
        const frame = fromHex(r.frame);
        const msg = decodeFrame(frame, { candidates: r.compression === null ? [null] : [r.compression] });
        expect(msg.frameLength).toBe(r.frame_len);
        expect(msg.compression).toBe(r.compression);
        const [type, sender, time, ...payload] = r.packets;
        expect(msg.type).toBe(type);
        expect(msg.sender).toBe(new TextDecoder().decode(toEncodable(sender) as Uint8Array));
        expect(msg.time).toBe(time);
        expect(msg.payload).toEqual(toDecoded(payload));
        // Re-encoding the decoded packet gives the same checksum; uncompressed frames match fully.
        const again = encodeFrame({ type: msg.type, sender: msg.sender, time: msg.time, payload: toEncodable(payload) as unknown[] }, { compression: r.compression });
        expect(toHex(decodeFrame(again, { candidates: [r.compression] }).id)).toBe(toHex(msg.id));
        if (r.compression === null) expect(toHex(again)).toBe(r.frame);
        // And the TS candidate list decodes it no matter what was negotiated.
        expect(toHex(decodeFrame(frame, { candidates: decodeCandidates([]) }).id)).toBe(toHex(msg.id));
      });
    });
  }
});

describe('decodeFrameBody validation', () => {
  const sender = '6DvbVmahBicYtFuqpntZ42XpZ6nz4ZuxBhHexF1JBYM4ufkBnTbco2efU2katqbqBn';
  const bodyOf = (packed: Uint8Array) => concatBytes(sha256(packed), packed);

  it('garbage msgpack with a valid checksum is BAD_MSGPACK', () => {
    for (const garbage of ['c1', '93', '9301a0', 'c7000000', '910102']) {
      expect(codeOf(() => decodeFrameBody(bodyOf(fromHex(garbage))))).toBe('BAD_MSGPACK');
    }
  });

  it('non-packet arrays are MALFORMED_PACKET', () => {
    const bad: unknown[] = [5, 'x', {}, [], [0], [0, utf8Encode(sender)], ['0', utf8Encode(sender), 1], [0, 5, 1], [0, utf8Encode(sender), 'time'], [0, null, 1], [0, fromHex('ff'), 1], [null, utf8Encode(sender), 1]];
    for (const value of bad) expect(codeOf(() => decodeFrameBody(bodyOf(encodeMsgpack(value))))).toBe('MALFORMED_PACKET');
  });

  it('accepts an array of exactly 3, str senders, bigint and float numbers', () => {
    const three = decodeFrameBody(bodyOf(encodeMsgpack([1, utf8Encode(sender), 1500000000])));
    expect(three.payload).toEqual([]);
    expect(three.sender).toBe(sender);
    const js2p = decodeFrameBody(bodyOf(encodeMsgpack([2, sender, 2 ** 32 + 0.5, 0, 'x'])));
    expect(js2p.sender).toBe(sender);
    expect(js2p.time).toBe(2 ** 32 + 0.5);
    const big = decodeFrameBody(bodyOf(encodeMsgpack([0, sender, 1n << 60n, 0])));
    expect(big.time).toBe(2 ** 60);
  });

  it('a body shorter than its checksum is TRUNCATED_FRAME', () => {
    expect(codeOf(() => decodeFrameBody(new Uint8Array(0)))).toBe('TRUNCATED_FRAME');
    expect(codeOf(() => decodeFrameBody(new Uint8Array(31)))).toBe('TRUNCATED_FRAME');
    expect(codeOf(() => decodeFrameBody(sha256(new Uint8Array(0))))).toBe('BAD_MSGPACK');
  });

  it('a zlib frame needs zlib among the candidates', () => {
    const fields = { type: 0, sender, time: 1500000000, payload: [0, 'x'.repeat(200)] };
    const frame = encodeFrame(fields, { compression: 0x13 });
    expect(codeOf(() => decodeFrame(frame))).toBe('BAD_CHECKSUM');
    expect(codeOf(() => decodeFrame(frame, { candidates: [0x20] }))).toBe('DECOMPRESSION_FAILED');
    expect(codeOf(() => decodeFrame(frame, { candidates: [0x10] }))).toBe('UNKNOWN_COMPRESSION');
    expect(decodeFrame(frame, { candidates: [0x13] }).payload).toEqual(fields.payload);
    // gzip's decoder accepts the zlib wrapper, as py2p's does.
    expect(decodeFrame(frame, { candidates: [0x11] }).compression).toBe(0x11);
    // Frames compressed under an old list still decode with the TS candidate rule.
    expect(decodeFrame(frame, { candidates: decodeCandidates([0x11]) }).compression).toBe(0x11);
    expect(decodeFrame(frame, { candidates: decodeCandidates([]) }).compression).toBe(0x13);
    const raw = encodeFrame(fields);
    expect(decodeFrame(raw, { candidates: decodeCandidates([0x20, 0x13]) }).compression).toBeNull();
  });

  it('caps decompressed size (zip bomb) with FRAME_TOO_LARGE', () => {
    const fields = { type: 0, sender, time: 1, payload: [0, new Uint8Array(1 << 20)] };
    for (const flag of DEFAULT_COMPRESSIONS) {
      const frame = encodeFrame(fields, { compression: flag });
      expect(frame.length).toBeLessThan(64 * 1024);
      expect(codeOf(() => decodeFrame(frame, { candidates: [flag], maxBytes: 64 * 1024 }))).toBe('FRAME_TOO_LARGE');
      expect(decodeFrame(frame, { candidates: [flag], maxBytes: 2 << 20 }).compression).toBe(flag);
    }
  });

  it('reports a zlib/gzip bomb as FRAME_TOO_LARGE even when raw is also tried (raw fails its checksum)', () => {
    const fields = { type: 0, sender, time: 1, payload: [0, new Uint8Array(1 << 20)] };
    for (const flag of [0x11, 0x13]) {
      const frame = encodeFrame(fields, { compression: flag });
      const err = errorOf(() => decodeFrame(frame, { candidates: [null, 0x13, 0x11, 0x20], maxBytes: 64 * 1024 }));
      expect(err.code).toBe('FRAME_TOO_LARGE');
      expect((err.details.attempts as { code: string }[]).map((a) => a.code)).toContain('BAD_CHECKSUM');
    }
  });

  it('decodeFrame checks the header against the bytes present', () => {
    const frame = encodeFrame({ type: 0, sender, time: 1, payload: [0] });
    expect(codeOf(() => decodeFrame(frame.subarray(0, 3)))).toBe('TRUNCATED_FRAME');
    expect(codeOf(() => decodeFrame(frame.subarray(0, frame.length - 1)))).toBe('TRUNCATED_FRAME');
    expect(codeOf(() => decodeFrame(concatBytes(frame, fromHex('00'))))).toBe('MALFORMED_PACKET');
    expect(codeOf(() => decodeFrame(frame, { maxBytes: frame.length - 5 }))).toBe('FRAME_TOO_LARGE');
    expect(codeOf(() => decodeFrame(fromHex('ffffffff00')))).toBe('FRAME_TOO_LARGE');
  });

  it('rejects unknown compression and bad ids when encoding', () => {
    expect(codeOf(() => encodeFrame({ type: 0, sender, time: 1, payload: [] }, { compression: 0x10 }))).toBe('UNKNOWN_COMPRESSION');
    expect(codeOf(() => frameFromPacked(fromHex('90'), new Uint8Array(31)))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => encodeFrame({ type: 0, sender, time: 1, payload: [() => 0] }))).toBe('ENCODE_ERROR');
  });

  it('fuzz: random bodies and frames only throw P2PErrors', () => {
    const rand = prng(2024);
    const good = encodeFrame({ type: 0, sender, time: 1, payload: [0, 'abc', new Uint8Array(40)] }, { compression: 0x13 });
    for (let i = 0; i < 600; i++) {
      let input: Uint8Array;
      if (i % 3 === 0) input = randomBytes(rand, Math.floor(rand() * 120));
      else {
        input = good.slice();
        flipByte(input, 4 + Math.floor(rand() * (input.length - 4)), 1 + Math.floor(rand() * 255));
      }
      for (const run of [() => decodeFrameBody(input, { candidates: decodeCandidates([0x20, 0x13, 0x11]) }), () => decodeFrame(input, { candidates: decodeCandidates([]) })]) {
        try {
          run();
        } catch (err) {
          expect(err).toBeInstanceOf(P2PError);
        }
      }
    }
  });
});

describe('round trips (seeded)', () => {
  it('random packets under every compression', () => {
    const rand = prng(42);
    const pickValue = (): unknown => {
      const r = rand();
      if (r < 0.25) return Math.floor(rand() * 2 ** 40) - 2 ** 39;
      if (r < 0.5) return 'text-' + Math.floor(rand() * 1e9);
      if (r < 0.75) return randomBytes(rand, Math.floor(rand() * 100));
      if (r < 0.85) return [null, true, rand() + 0.5];
      return { key: 'value', n: Math.floor(rand() * 100) };
    };
    for (let i = 0; i < 200; i++) {
      const fields: PacketFields = {
        type: Math.floor(rand() * 3),
        sender: 'S' + Math.floor(rand() * 1e12).toString(36),
        time: 1_500_000_000 + Math.floor(rand() * 1e8),
        payload: [Math.floor(rand() * 0x12), ...Array.from({ length: Math.floor(rand() * 6) }, pickValue)],
      };
      for (const compression of [null, ...DEFAULT_COMPRESSIONS]) {
        const frame = encodeFrame(fields, { compression });
        const msg = decodeFrame(frame, { candidates: decodeCandidates(compression === null ? [] : [compression]) });
        expect(msg.compression).toBe(compression);
        expect({ type: msg.type, sender: msg.sender, time: msg.time, payload: msg.payload }).toEqual(fields);
        expect(toHex(msg.id)).toBe(toHex(packPacket(fields).id));
      }
    }
  });
});

describe('FrameReader', () => {
  const sender = 'reader';
  const frames = [
    encodeFrame({ type: 0, sender, time: 1, payload: [0, 'first'] }),
    encodeFrame({ type: 2, sender, time: 2, payload: [2] }, { compression: 0x13 }),
    encodeFrame({ type: 0, sender, time: 3, payload: [0, new Uint8Array(300)] }),
  ];
  const stream = concatBytes(...frames);
  const bodies = frames.map((f) => toHex(f.subarray(4)));

  it('returns coalesced frames from one chunk', () => {
    const reader = new FrameReader();
    expect(reader.push(stream).map(toHex)).toEqual(bodies);
    expect(reader.hasPartialFrame).toBe(false);
    expect(reader.bufferedBytes).toBe(0);
  });

  it('handles every split point, two and three ways', () => {
    for (let i = 0; i <= stream.length; i++) {
      const reader = new FrameReader();
      const got = [...reader.push(stream.subarray(0, i)), ...reader.push(stream.subarray(i))];
      expect(got.map(toHex)).toEqual(bodies);
      expect(reader.hasPartialFrame).toBe(false);
    }
    for (let i = 0; i <= 120; i += 3) {
      for (let j = i; j <= stream.length; j += 7) {
        const reader = new FrameReader();
        const got = [...reader.push(stream.subarray(0, i)), ...reader.push(stream.subarray(i, j)), ...reader.push(stream.subarray(j))];
        expect(got.map(toHex)).toEqual(bodies);
      }
    }
  });

  it('reports partial frames while incomplete', () => {
    const reader = new FrameReader();
    expect(reader.push(stream.subarray(0, 2))).toEqual([]);
    expect(reader.bufferedBytes).toBe(2);
    expect(reader.hasPartialFrame).toBe(true);
    expect(reader.push(stream.subarray(2, 10))).toEqual([]);
    expect(reader.bufferedBytes).toBe(10);
    expect(reader.push(new Uint8Array(0))).toEqual([]);
  });

  it('is byte-by-byte safe and survives the F8 split (4 bytes into the next frame)', () => {
    const reader = new FrameReader();
    const got: Uint8Array[] = [];
    for (let i = 0; i < stream.length; i++) got.push(...reader.push(stream.subarray(i, i + 1)));
    expect(got.map(toHex)).toEqual(bodies);

    // A 1020-byte frame then another, read 1024 bytes at a time (PROTOCOL.md 1.4, F8).
    const big = encodeFrame({ type: 0, sender, time: 1, payload: [0, new Uint8Array(1020 - 4 - 32 - 15)] });
    const pair = concatBytes(big, frames[0]!);
    const r2 = new FrameReader();
    const out = [...r2.push(pair.subarray(0, 1024)), ...r2.push(pair.subarray(1024))];
    expect(out.map(toHex)).toEqual([toHex(big.subarray(4)), bodies[0]]);
  });

  it('returns owned copies, not views of the pushed chunk', () => {
    const chunk = stream.slice();
    const [first] = new FrameReader().push(chunk);
    expect(first!.buffer).not.toBe(chunk.buffer);
    expect(Buffer.isBuffer(new FrameReader().push(Buffer.from(stream))[0])).toBe(false);
  });

  it('throws FRAME_TOO_LARGE on the header alone, then stays failed', () => {
    const reader = new FrameReader({ maxFrameBytes: 1000 });
    expect(codeOf(() => reader.push(fromHex('000003e9')))).toBe('FRAME_TOO_LARGE');
    expect(codeOf(() => reader.push(stream))).toBe('FRAME_TOO_LARGE');
    expect(codeOf(() => new FrameReader().push(fromHex('ffffffff')))).toBe('FRAME_TOO_LARGE');
    expect(codeOf(() => new FrameReader().push(fromHex('01000001')))).toBe('FRAME_TOO_LARGE');
    expect(new FrameReader({ maxFrameBytes: 1000 }).push(concatBytes(fromHex('000003e8'), new Uint8Array(1000)))).toHaveLength(1);
  });

  it('rejects bodies shorter than a checksum with TRUNCATED_FRAME', () => {
    expect(codeOf(() => new FrameReader().push(fromHex('00000000')))).toBe('TRUNCATED_FRAME');
    expect(codeOf(() => new FrameReader().push(fromHex('0000001f')))).toBe('TRUNCATED_FRAME');
    const reader = new FrameReader();
    expect(reader.push(fromHex('00000020'))).toEqual([]);
    expect(reader.push(new Uint8Array(32))).toHaveLength(1);
  });

  // 65,536 pushes of 64 bytes: a reader that re-copied its buffer per push would not finish
  // within the test's time bound (how fast it is belongs to the benchmarks).
  it('assembles a large frame from many small chunks', () => {
    const big = encodeFrame({ type: 0, sender, time: 1, payload: [0, new Uint8Array(4 << 20).fill(9)] });
    const reader = new FrameReader();
    let got: Uint8Array[] = [];
    for (let i = 0; i < big.length; i += 64) got = got.concat(reader.push(big.subarray(i, i + 64)));
    expect(got).toHaveLength(1);
    expect(decodeFrameBody(got[0]!).payload[1]).toHaveLength(4 << 20);
  });

  it('splits 2000 coalesced small frames pushed in odd chunk sizes', () => {
    const many = Array.from({ length: 2000 }, (_, i) => encodeFrame({ type: 0, sender, time: i, payload: [0, i] }));
    const all = concatBytes(...many);
    const reader = new FrameReader();
    const got: Uint8Array[] = [];
    const rand = prng(5);
    for (let i = 0; i < all.length; ) {
      const n = 1 + Math.floor(rand() * 500);
      got.push(...reader.push(all.subarray(i, i + n)));
      i += n;
    }
    expect(got).toHaveLength(2000);
    expect(decodeFrameBody(got[1999]!).time).toBe(1999);
  });
});

describe('PROTOCOL.md 1.8 worked example', () => {
  const sender = '6VnYj9LjoVLTvU3uPhy4nxm6yv2wEvhaRtGHeV9wwFngWGGqKAzuZ8jK6gFuvq737V';

  it('frames the uncompressed handshake as documented', () => {
    const frame = encodeFrame({
      type: 2,
      sender,
      time: 1500000000,
      payload: [5, utf8Encode(sender), utf8Encode('EpAmyZWv9rZUKmjQgU3FTUD4GrJHvVEXizmghVBc8eGD'), ['127.0.0.1', 4444], [0x13, 0x11, 0x10, 0x12]],
    });
    const h = toHex(frame);
    expect(h.slice(0, 8)).toBe('000000f1');
    expect(h.slice(8, 16)).toBe('165647c5');
    expect(h.slice(72 - 8, 72)).toBe('9cdd727f');
    expect(h.slice(72, 76)).toBe('9802');
    expect(h).toContain('ce59682f0005c442');
    expect(h.endsWith('92a93132372e302e302e31cd115c' + '9413111012')).toBe(true);
  });

  it('encodes the small payloads as documented', () => {
    const tail = (payload: unknown[]) => payload.map((v) => toHex(encodeMsgpack(v))).join('');
    expect(tail([5, '0'])).toBe('05a130');
    expect(tail([0x0b, utf8Encode('key'), 'value'])).toBe('0bc4036b6579a576616c7565');
    expect(tail([8, '*'])).toBe('08a12a');
    expect(tail([8, utf8Encode('*')])).toBe('08c4012a');
  });
});

describe('small bodies: wrapped, not compressed', () => {
  const SENDER = '9iqkMyPFDE4YTCDeYK9e5V53JjA3UqWmwifYZ9dBY6Km5gVVzEyeVJuad8HMWtYTun';
  const { snappy, zlib, gzip } = CompressionFlags;
  // A packet whose checksum ++ packed is exactly `inner` bytes long, of compressible text.
  const fieldsOfInner = (inner: number): PacketFields => {
    const base: PacketFields = { type: MainFlags.broadcast, sender: SENDER, time: 1_700_000_000, payload: [SubFlags.broadcast, ''] };
    const overhead = 32 + packPacket(base).packed.length;
    const text = 'ab'.repeat(inner).slice(0, inner - overhead);
    const fields = { ...base, payload: [SubFlags.broadcast, text] };
    // str8 headers take one byte more from 32 characters on: trim to the exact size.
    const extra = 32 + packPacket(fields).packed.length - inner;
    return { ...base, payload: [SubFlags.broadcast, text.slice(0, text.length - extra)] };
  };

  it('a snappy frame of a small packet is one literal: checksum ++ packed behind at most 4 bytes, read by snappyjs as well', () => {
    for (const inner of [130, 147, 193, 255]) {
      const fields = fieldsOfInner(inner);
      const { packed, id } = packPacket(fields);
      expect(32 + packed.length).toBe(inner);
      const frame = frameFromPacked(packed, id, snappy);
      const body = frame.subarray(4);
      expect(body.length).toBeLessThanOrEqual(inner + 4);
      expect(toHex(body.subarray(body.length - inner))).toBe(toHex(id) + toHex(packed));
      expect(toHex(snappyjsUncompress(body, inner))).toBe(toHex(id) + toHex(packed));
      expect(bytesEqual(peekBroadcastId(body, snappy)!, id)).toBe(true);
      const msg = decodeFrameBody(body, { candidates: decodeCandidates([snappy]) });
      expect(msg.compression).toBe(snappy);
      expect(msg.payload).toEqual(fields.payload);
      // Decoded from the body itself, as a raw frame is: no decompressed copy.
      expect(msg.packed.buffer).toBe(body.buffer);
    }
  });

  it('a small packet comes with its snappy frame in front, handed out only while it is intact', () => {
    const fields = fieldsOfInner(193);
    const { packed, id } = packPacket(fields);
    const built = frameFromPacked(packed.slice(), id, snappy);
    const frame = frameFromPacked(packed, id, snappy);
    expect(frame.buffer).toBe(packed.buffer);
    expect(toHex(frame)).toBe(toHex(built));
    expect(toHex(frameFromPacked(packed, id, null))).toBe(toHex(encodeFrame(fields)));
    // Another id: that id's frame, built anew.
    const other = new Uint8Array(32).fill(7);
    const withOther = frameFromPacked(packed, other, snappy);
    expect(withOther.buffer).not.toBe(packed.buffer);
    expect(toHex(withOther)).toBe(toHex(frameFromPacked(packed.slice(), other, snappy)));
    // A changed prefix is not trusted.
    new Uint8Array(packed.buffer)[3]! ^= 1;
    const rebuilt = frameFromPacked(packed, id, snappy);
    expect(rebuilt.buffer).not.toBe(packed.buffer);
    expect(toHex(rebuilt)).toBe(toHex(built));
  });

  it('a larger packet comes with its raw frame in front: handed out raw, compressed from in place', () => {
    for (const inner of [256, 1000, 70_000]) {
      const fields = fieldsOfInner(inner);
      const { packed, id } = packPacket(fields);
      const raw = frameFromPacked(packed, id, null);
      expect(raw.buffer).toBe(packed.buffer);
      expect(toHex(raw)).toBe(toHex(frameFromPacked(packed.slice(), id, null)));
      for (const flag of [snappy, zlib, gzip]) {
        const frame = frameFromPacked(packed, id, flag);
        expect(frame.buffer).not.toBe(packed.buffer);
        expect(toHex(frame)).toBe(toHex(frameFromPacked(packed.slice(), id, flag)));
        expect(decodeFrameBody(frame.subarray(4), { candidates: [flag] }).payload).toEqual(fields.payload);
      }
      // A changed checksum in front is not trusted.
      new Uint8Array(packed.buffer)[10]! ^= 1;
      const rebuilt = frameFromPacked(packed, id, null);
      expect(rebuilt.buffer).not.toBe(packed.buffer);
      expect(decodeFrameBody(rebuilt.subarray(4)).payload).toEqual(fields.payload);
    }
  });

  it('from 256 bytes of checksum ++ packed on, snappy compresses', () => {
    const { packed, id } = packPacket(fieldsOfInner(256));
    const body = frameFromPacked(packed, id, snappy).subarray(4);
    expect(body.length).toBeLessThan(200);
    expect(toHex(snappyjsUncompress(body, 256))).toBe(toHex(id) + toHex(packed));
    expect(decodeFrameBody(body, { candidates: [snappy] }).id).toEqual(id);
  });

  it('a zlib or gzip frame of a small packet is one stored block that node:zlib reads strictly under its own wrapper', () => {
    for (const inner of [130, 193, 255, 256]) {
      const { packed, id } = packPacket(fieldsOfInner(inner));
      for (const [flag, inflate] of [
        [zlib, inflateSync],
        [gzip, gunzipSync],
      ] as const) {
        const body = frameFromPacked(packed, id, flag).subarray(4);
        if (inner < 256) expect(body.length).toBe(inner + (flag === zlib ? 11 : 23));
        else expect(body.length).toBeLessThan(inner * 0.8);
        expect(toHex(inflate(body))).toBe(toHex(id) + toHex(packed));
        expect(decodeFrameBody(body, { candidates: decodeCandidates([flag]) }).compression).toBe(flag);
      }
    }
  });
});

describe('sender ids', () => {
  it('decode to their own text with many senders interleaved (the remembered texts never mix up)', () => {
    const senders = Array.from({ length: 300 }, (_, i) => (i % 2 === 0 ? `N${i}`.padEnd(66, 'x') : `Q${'z'.repeat(i % 70)}${i}`));
    senders.push('ünïcode-sender', '', 'a'.repeat(200));
    const bodies = senders.map((sender) => encodeFrame({ type: 0, sender, time: 1, payload: [0] }).subarray(4));
    for (let round = 0; round < 3; round++) {
      bodies.forEach((body, i) => expect(decodeFrameBody(body).sender).toBe(senders[i]));
    }
  });
});
