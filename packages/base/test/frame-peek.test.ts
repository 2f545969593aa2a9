/** The cheap reads of a frame: the claimed broadcast id, the snappy prefix, views, headers. */
import { describe, expect, it } from 'vitest';
import { compress as snappyCompress } from 'snappyjs';
import { bytesEqual, utf8Encode } from '../src/bytes';
import { CompressionFlags, MainFlags, SubFlags } from '../src/flags';
import { encodeFrame, frameFromPacked, frameHeader, packPacket } from '../src/frame';
import { broadcastIdAt, decodeFrameBody, peekBroadcastId } from '../src/frame-decode';
import { FrameReader } from '../src/frame-reader';
import { snappyDecompress, snappyPrefix, snappyPrefixAt } from '../src/snappy';
import { prng, randomBytes } from './helpers';

const SENDER = '9iqkMyPFDE4YTCDeYK9e5V53JjA3UqWmwifYZ9dBY6Km5gVVzEyeVJuad8HMWtYTun';
const fields = (type: number, payload: unknown[] = [SubFlags.broadcast, 'hello', 42]) => ({ type, sender: SENDER, time: 1_700_000_000, payload });
const bodyOf = (frame: Uint8Array) => frame.subarray(4);

describe('peekBroadcastId', () => {
  it('reads the id of a raw and of a snappy broadcast without decoding, the same id decoding verifies', () => {
    for (const compression of [null, CompressionFlags.snappy]) {
      const body = bodyOf(encodeFrame(fields(MainFlags.broadcast), { compression }));
      const wire = decodeFrameBody(body, { candidates: [compression] });
      expect(bytesEqual(peekBroadcastId(body, compression)!, wire.id)).toBe(true);
    }
  });

  it('reads an id behind an array16 header (a packet of 16 or more elements)', () => {
    const payload = [SubFlags.broadcast, ...Array.from({ length: 20 }, (_, i) => i)];
    const body = bodyOf(encodeFrame(fields(MainFlags.broadcast, payload)));
    expect(body[32]).toBe(0xdc);
    expect(bytesEqual(peekBroadcastId(body, null)!, decodeFrameBody(body).id)).toBe(true);
  });

  it('claims nothing for whispers and renegotiations, zlib and gzip, short or odd bodies', () => {
    expect(peekBroadcastId(bodyOf(encodeFrame(fields(MainFlags.whisper))), null)).toBeUndefined();
    expect(peekBroadcastId(bodyOf(encodeFrame(fields(MainFlags.renegotiate, [SubFlags.compression, []]))), null)).toBeUndefined();
    for (const compression of [CompressionFlags.zlib, CompressionFlags.gzip]) {
      expect(peekBroadcastId(bodyOf(encodeFrame(fields(MainFlags.broadcast), { compression })), compression)).toBeUndefined();
    }
    expect(peekBroadcastId(new Uint8Array(35), null)).toBeUndefined();
    // 32 bytes then not an array header.
    expect(peekBroadcastId(new Uint8Array(64).fill(0xc0), null)).toBeUndefined();
    // A snappy-compressed broadcast read as raw (or the reverse) shows no broadcast header.
    const snappy = bodyOf(encodeFrame(fields(MainFlags.broadcast), { compression: CompressionFlags.snappy }));
    expect(peekBroadcastId(snappy, null)).toBeUndefined();
    expect(peekBroadcastId(bodyOf(encodeFrame(fields(MainFlags.broadcast))), CompressionFlags.snappy)).toBeUndefined();
  });

  it('is only a claim: a body with a broadcast id and a forged tail still fails its full decode', () => {
    const body = bodyOf(encodeFrame(fields(MainFlags.broadcast))).slice();
    const id = peekBroadcastId(body, null)!.slice();
    body[body.length - 1]! ^= 0xff;
    expect(bytesEqual(peekBroadcastId(body, null)!, id)).toBe(true);
    expect(() => decodeFrameBody(body)).toThrow(expect.objectContaining({ code: 'BAD_CHECKSUM' }));
  });
});

describe('broadcastIdAt', () => {
  it('finds the id peekBroadcastId reads, in place, for a body anywhere inside a larger array', () => {
    const bodies = [
      bodyOf(encodeFrame(fields(MainFlags.broadcast))),
      bodyOf(encodeFrame(fields(MainFlags.broadcast, [SubFlags.broadcast, ...Array.from({ length: 20 }, (_, i) => i)]))),
      bodyOf(encodeFrame(fields(MainFlags.broadcast), { compression: CompressionFlags.snappy })),
      bodyOf(encodeFrame(fields(MainFlags.whisper))),
      bodyOf(encodeFrame(fields(MainFlags.whisper), { compression: CompressionFlags.snappy })),
    ];
    for (const body of bodies) {
      for (const compression of [null, CompressionFlags.snappy]) {
        const claimed = peekBroadcastId(body, compression);
        // The body between other bytes, as a frame inside a socket chunk.
        const chunk = new Uint8Array(7 + body.length + 5).fill(0x94);
        chunk.set(body, 7);
        const at = broadcastIdAt(chunk, compression, 7, 7 + body.length);
        expect(broadcastIdAt(body, compression)).toBe(claimed === undefined ? -1 : claimed.byteOffset - body.byteOffset);
        if (claimed === undefined) expect(at).toBe(-1);
        else expect(bytesEqual(chunk.subarray(at, at + 32), claimed)).toBe(true);
      }
    }
  });

  it('reads nothing past the end it is given', () => {
    const body = bodyOf(encodeFrame(fields(MainFlags.broadcast)));
    // The body cut short inside a longer array: the bytes after the end must not count.
    expect(broadcastIdAt(body, null, 0, 35)).toBe(-1);
    expect(broadcastIdAt(body, null, 0, 36)).toBe(0);
    const snappy = bodyOf(encodeFrame(fields(MainFlags.broadcast), { compression: CompressionFlags.snappy }));
    const at = broadcastIdAt(snappy, CompressionFlags.snappy);
    expect(at).toBeGreaterThan(0);
    expect(broadcastIdAt(snappy, CompressionFlags.snappy, 0, at + 35)).toBe(-1);
    expect(broadcastIdAt(snappy, CompressionFlags.snappy, 0, at + 36)).toBe(at);
    expect(snappyPrefixAt(snappy, 32, 0, 1)).toBe(-1);
  });
});

describe('snappyPrefix', () => {
  it('matches the first bytes of the full decode for blocks that open with a long literal', () => {
    const next = prng(7);
    for (let i = 0; i < 200; i++) {
      const data = randomBytes(next, 40 + Math.floor(next() * 400));
      const block = new Uint8Array(snappyCompress(data));
      const prefix = snappyPrefix(block, 32);
      expect(prefix).toBeDefined();
      expect(bytesEqual(prefix!, snappyDecompress(block, 1 << 20).subarray(0, 32))).toBe(true);
    }
  });

  it('gives up, never throws, on what it cannot read cheaply', () => {
    expect(snappyPrefix(new Uint8Array(0), 32)).toBeUndefined();
    expect(snappyPrefix(Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0xff, 0xff), 32)).toBeUndefined(); // endless varint
    expect(snappyPrefix(Uint8Array.of(10, 0x24, 1, 2, 3), 32)).toBeUndefined(); // decodes to fewer than 32
    expect(snappyPrefix(Uint8Array.of(64, 0x01, 0x00), 32)).toBeUndefined(); // opens with a copy
    expect(snappyPrefix(Uint8Array.of(64, 0xfc, 0x3f), 32)).toBeUndefined(); // literal length past the end
    const shortLiteral = Uint8Array.of(64, 15 << 2, ...new Uint8Array(16)); // a 16-byte literal first
    expect(snappyPrefix(shortLiteral, 32)).toBeUndefined();
  });
});

describe('relaying a body as received', () => {
  it('frameHeader + the body of a raw frame is the frame frameFromPacked builds', () => {
    const { packed, id } = packPacket(fields(MainFlags.broadcast));
    const frame = frameFromPacked(packed, id, null);
    const body = frame.subarray(4);
    const rebuilt = new Uint8Array([...frameHeader(body.length), ...body]);
    expect(bytesEqual(rebuilt, frame)).toBe(true);
    expect(() => frameHeader(2 ** 32)).toThrow(expect.objectContaining({ code: 'FRAME_TOO_LARGE' }));
  });

  it('a decoded message keeps its body as it crossed the wire, compressed', () => {
    const body = bodyOf(encodeFrame(fields(MainFlags.broadcast), { compression: CompressionFlags.snappy }));
    const wire = decodeFrameBody(body, { candidates: [CompressionFlags.snappy, null] });
    expect(wire.compression).toBe(CompressionFlags.snappy);
    expect(wire.body).toBe(body);
  });

  it('decodes when the first candidate fails, and names every sender right however they alternate', () => {
    const other = 'B'.repeat(66);
    const a = bodyOf(encodeFrame(fields(MainFlags.broadcast)));
    const b = bodyOf(encodeFrame({ ...fields(MainFlags.broadcast), sender: other }, { compression: CompressionFlags.snappy }));
    const candidates = [CompressionFlags.snappy, null];
    for (const [body, sender] of [[a, SENDER], [b, other], [a, SENDER], [b, other]] as const) {
      expect(decodeFrameBody(body, { candidates }).sender).toBe(sender);
    }
    // A sender as bin that is not ASCII still decodes as UTF-8 text.
    const packed = packPacket({ type: MainFlags.broadcast, sender: 'naïve', time: 1, payload: [0] });
    const body = new Uint8Array([...packed.id, ...packed.packed]);
    expect(decodeFrameBody(body).sender).toBe('naïve');
    expect(utf8Encode('naïve').length).toBe(6);
  });
});

describe('FrameReader', () => {
  const frames = [encodeFrame(fields(MainFlags.broadcast)), encodeFrame(fields(MainFlags.whisper)), encodeFrame(fields(MainFlags.broadcast, [0, 'x'.repeat(300)]))];
  const stream = new Uint8Array(frames.reduce((n, f) => n + f.length, 0));
  frames.reduce((at, f) => (stream.set(f, at), at + f.length), 0);
  const expected = frames.map((f) => f.subarray(4));

  it('returns the same bodies for every split of the stream, headers split included, with or without views', () => {
    for (const views of [false, true]) {
      for (let cut = 1; cut < stream.length; cut += 7) {
        const reader = new FrameReader({ views });
        const bodies = [...reader.push(stream.subarray(0, cut)), ...reader.push(stream.subarray(cut))];
        expect(bodies.map((b) => Array.from(b))).toEqual(expected.map((b) => Array.from(b)));
        expect(reader.hasPartialFrame).toBe(false);
      }
      const reader = new FrameReader({ views });
      const bodies = Array.from(stream).flatMap((byte) => reader.push(Uint8Array.of(byte)));
      expect(bodies.map((b) => Array.from(b))).toEqual(expected.map((b) => Array.from(b)));
    }
  });

  it('shows each body to skip in place, in order, and leaves out the ones it drops, however the stream is split', () => {
    for (const views of [false, true]) {
      for (let cut = 1; cut < stream.length; cut += 5) {
        const shown: number[][] = [];
        // Drops the whispers (the second frame) after a look.
        const skip = (bytes: Uint8Array, start: number, end: number) => {
          shown.push(Array.from(bytes.subarray(start, end)));
          return decodeFrameBody(bytes.subarray(start, end)).type === MainFlags.whisper;
        };
        const reader = new FrameReader({ views });
        const bodies = [...reader.push(stream.subarray(0, cut), skip), ...reader.push(stream.subarray(cut), skip)];
        expect(shown).toEqual(expected.map((b) => Array.from(b)));
        expect(bodies.map((b) => Array.from(b))).toEqual([expected[0]!, expected[2]!].map((b) => Array.from(b)));
        expect(reader.hasPartialFrame).toBe(false);
      }
    }
  });

  it('copies by default; with views a body inside one chunk is a view of it, one across chunks a copy', () => {
    const chunk = Buffer.from(stream);
    const copied = new FrameReader().push(chunk);
    expect(copied.every((b) => b.buffer !== chunk.buffer)).toBe(true);
    const viewed = new FrameReader({ views: true }).push(chunk);
    expect(viewed.every((b) => b.buffer === chunk.buffer && b.constructor === Uint8Array)).toBe(true);
    const reader = new FrameReader({ views: true });
    const first = chunk.subarray(0, 10);
    reader.push(first);
    const [body] = reader.push(chunk.subarray(10, frames[0]!.length));
    expect(body!.buffer).not.toBe(chunk.buffer);
    expect(Array.from(body!)).toEqual(Array.from(expected[0]!));
  });
});
