/**
 * Hostile frames, pure and seeded: random bytes, random but well-formed packets (random flags,
 * sub-flags, senders, times and msgpack trees), decode bombs (millions of empty maps or nils
 * compressed to kilobytes, deep nesting, lying container counts), decompression bombs, bad
 * checksums, lying length headers.
 */
import {
  CompressionFlags,
  MainFlags,
  MsgpackFloat,
  SubFlags,
  concatBytes,
  encodeFrame,
  encodeMsgpack,
  getCompression,
  sha256,
  utf8Encode,
} from '@p2p/base';

/** A small seeded PRNG (mulberry32). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export type Rand = () => number;
const int = (r: Rand, n: number): number => Math.floor(r() * n);
const pick = <T>(r: Rand, xs: readonly T[]): T => xs[int(r, xs.length)]!;
const bytes = (r: Rand, n: number): Uint8Array => Uint8Array.from({ length: n }, () => int(r, 256));

function header(length: number): Uint8Array {
  return new Uint8Array([length >>> 24, (length >>> 16) & 0xff, (length >>> 8) & 0xff, length & 0xff]);
}

/** Frames `packed` msgpack with a valid checksum, raw or compressed. */
export function frameOf(packed: Uint8Array, compression: number | null = null): Uint8Array {
  const inner = concatBytes(sha256(packed), packed);
  const body = compression === null ? inner : getCompression(compression).compress(inner);
  return concatBytes(header(body.length), body);
}

/** `[type, sender, time, sub, <count one-byte elements as an array32>]`, packed by hand. */
export function manyElementsPacket(count: number, element: number, type = MainFlags.broadcast): Uint8Array {
  const head = encodeMsgpack([type, utf8Encode('bomb'), Math.floor(Date.now() / 1000), SubFlags.broadcast]).slice();
  head[0] = 0x95; // five fields, the last being the big array
  const big = new Uint8Array(5 + count);
  big.set([0xdd, count >>> 24, (count >>> 16) & 0xff, (count >>> 8) & 0xff, count & 0xff]);
  big.fill(element, 5);
  return concatBytes(head, big);
}

/** The amplification probe: 16M empty maps (just under 16 MiB of msgpack), zlib ~16 KB. */
export function emptyMapsBomb(count = 16 * 1024 * 1024 - 64): Uint8Array {
  return frameOf(manyElementsPacket(count, 0x80), CompressionFlags.zlib);
}

/** Its friends: nils, empty arrays, `depth` nested arrays, 4M map entries, each zlib-compressed. */
export function bombFamily(scale = 1): Array<{ name: string; frame: Uint8Array }> {
  const n = Math.floor((16 * 1024 * 1024 - 64) * scale);
  const depth = Math.floor(1_000_000 * scale);
  const head = encodeMsgpack([0, utf8Encode('bomb'), Math.floor(Date.now() / 1000), 0]).slice();
  head[0] = 0x95; // five fields, the last one below
  const nested = concatBytes(head, new Uint8Array(depth).fill(0x91), new Uint8Array([0xc0]));
  const pairs = Math.floor(n / 2);
  const map = new Uint8Array(5 + pairs * 2);
  map.set([0xdf, pairs >>> 24, (pairs >>> 16) & 0xff, (pairs >>> 8) & 0xff, pairs & 0xff]);
  map.fill(0x00, 5); // keys and values 0: one entry written millions of times
  return [
    { name: 'empty maps', frame: emptyMapsBomb(n) },
    { name: 'nils', frame: frameOf(manyElementsPacket(n, 0xc0), CompressionFlags.zlib) },
    { name: 'empty arrays', frame: frameOf(manyElementsPacket(n, 0x90), CompressionFlags.zlib) },
    { name: 'nested arrays', frame: frameOf(nested, CompressionFlags.zlib) },
    { name: 'int map', frame: frameOf(concatBytes(head, map), CompressionFlags.zlib) },
    { name: 'empty maps, gzip', frame: frameOf(manyElementsPacket(n, 0x80), CompressionFlags.gzip) },
    { name: 'empty maps, raw', frame: frameOf(manyElementsPacket(n, 0x80)) },
  ];
}

/** A random msgpack tree, small enough that a node keeps working while it is flooded with them. */
export function randomValue(r: Rand, depth = 0): unknown {
  const k = int(r, depth > 4 ? 8 : 11);
  switch (k) {
    case 0:
      return int(r, 256) - 128;
    case 1:
      return pick(r, [0, -1, 2 ** 31, 2 ** 32, 2 ** 53 - 1, -(2 ** 53), 1n << 63n, (1n << 64n) - 1n, -(1n << 63n)]);
    case 2:
      return new MsgpackFloat(pick(r, [0, -0, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 1e308, r()]));
    case 3:
      return 'x'.repeat(int(r, 40)) + pick(r, ['', '\u{1F600}', '测试', '\u0000']);
    case 4:
      return bytes(r, int(r, 64));
    case 5:
      return pick(r, [null, true, false]);
    case 6:
      return utf8Encode(pick(r, ['*', '', 'not an id', '9iqkMyPFDE4YTCDeYK9e5V53JjA3UqWmwifYZ9dBY6Km5gVVzEyeVJuad8HMWtYTun']));
    case 7:
      return int(r, 0x40);
    case 8:
      return [...Array(int(r, 6))].map(() => randomValue(r, depth + 1));
    case 9:
      return Object.fromEntries([...Array(int(r, 4))].map((_, i) => [`k${i}`, randomValue(r, depth + 1)]));
    default:
      return new Map([...Array(int(r, 4))].map(() => [randomValue(r, depth + 2), randomValue(r, depth + 1)]));
  }
}

const MAIN_FLAGS = [MainFlags.broadcast, MainFlags.whisper, MainFlags.renegotiate, MainFlags.ping, MainFlags.pong, 7, 255];

/**
 * A well-formed frame of nonsense: the node decodes it and must shrug (ignore, report, or drop
 * the link) without crashing. Random main flag, sub-flag, sender, time and payload.
 */
export function randomPacketFrame(r: Rand, now = Math.floor(Date.now() / 1000)): Uint8Array {
  const type = pick(r, MAIN_FLAGS);
  const sender = pick(r, ['9iqkMyPFDE4YTCDeYK9e5V53JjA3UqWmwifYZ9dBY6Km5gVVzEyeVJuad8HMWtYTun', 'x', '', '\u0000\u00ff']);
  const time = pick(r, [now, now - 120, now + 10 * 365 * 86400, -1, 0, now, 1.5]);
  const sub = int(r, 0x40);
  const payload = [sub, ...[...Array(int(r, 6))].map(() => randomValue(r))];
  const compression = pick(r, [null, null, null, CompressionFlags.zlib, CompressionFlags.gzip, CompressionFlags.snappy]);
  return encodeFrame({ type, sender, time, payload }, { compression });
}

/** Frames that end the link: garbage, lies and bombs. The node must drop the link and go on. */
export function fatalFrame(r: Rand, bombs: readonly Uint8Array[]): Uint8Array {
  switch (int(r, 9)) {
    case 0:
      return bytes(r, 1 + int(r, 300));
    case 1: {
      // A valid header, a body of noise.
      const body = bytes(r, 32 + int(r, 300));
      return concatBytes(header(body.length), body);
    }
    case 2: {
      // Bad checksum.
      const f = encodeFrame({ type: 0, sender: 'x', time: 1, payload: [0, 'hi'] }).slice();
      f[5] = (f[5] ?? 0) ^ 0xff;
      return f;
    }
    case 3:
      // A length claim far past any limit.
      return header(0xffff_fff0);
    case 4:
      // Valid checksum, msgpack that is not a packet, or not msgpack at all.
      return frameOf(pick(r, [encodeMsgpack({ a: 1 }), encodeMsgpack([1]), new Uint8Array([0xc1]), new Uint8Array([0xdd, 0xff, 0xff, 0xff, 0xff])]));
    case 5:
      // Deep nesting, raw.
      return frameOf(concatBytes(new Uint8Array(1000).fill(0x91), new Uint8Array([0xc0])));
    case 6:
      // A decompression bomb: 64 MiB of zeros behind a small zlib body.
      return zeroBomb();
    case 7:
      return pick(r, bombs);
    default: {
      // A truncated frame followed by nothing: the link waits, then is dropped.
      const f = randomPacketFrame(r);
      return f.subarray(0, Math.max(5, int(r, f.length)));
    }
  }
}

let zeroBombFrame: Uint8Array | undefined;
function zeroBomb(): Uint8Array {
  if (zeroBombFrame === undefined) {
    const body = getCompression(CompressionFlags.zlib).compress(new Uint8Array(64 * 1024 * 1024));
    zeroBombFrame = concatBytes(header(body.length), body);
  }
  return zeroBombFrame;
}
