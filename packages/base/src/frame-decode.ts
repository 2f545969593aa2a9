/**
 * The frame codec's receiving side (PROTOCOL.md 1.4): a frame body to a {@link WireMessage}, the
 * decompression candidates tried in order, the checksum verified on the bytes as received; and
 * the peek at a broadcast's id that lets a relay drop a duplicate before decoding it.
 */
import { findCompression, getCompression } from './compression';
import { CompressionFlags, MainFlags } from './flags';
import { bytesEqual } from './bytes';
import {
  ChecksumMismatchError,
  DecompressionError,
  FrameTooLargeError,
  MalformedPacketError,
  P2PError,
  TruncatedFrameError,
  UnknownCompressionError,
} from './errors';
import { DEFAULT_MAX_DEPTH, frameDecodedBudget, frameElementBudget, type DecodeLimits } from './decode-limits';
import { sha256Matches } from './hash';
import { snappyPrefixAt } from './snappy';
import { decodeMsgpack } from './msgpack';
import { CHECKSUM_BYTES, DEFAULT_MAX_FRAME_BYTES, HEADER_BYTES, type WireMessage } from './frame';

/** Options of {@link decodeFrameBody} and {@link decodeFrame}: the candidates, and the limits. */
export interface DecodeFrameOptions extends DecodeLimits {
  /**
   * Methods to try in order, null meaning raw; the first whose output passes the checksum wins
   * (PROTOCOL.md 1.7.4; build the list with `decodeCandidates`). An empty list means raw only.
   * @default [null]
   */
  candidates?: readonly (number | null)[];
  /**
   * Largest body accepted as it crossed the wire, and the ceiling of the decompressed size
   * (`maxDecodedBytes`).
   * @default DEFAULT_MAX_FRAME_BYTES
   */
  maxBytes?: number;
}

// When no candidate verifies, report the most telling failure: a zlib/gzip body that inflated
// past the cap, then a body that decoded but failed its checksum, then any other size cap, then
// corrupt or unknown compression, then a short body.
const FAILURE_RANK = ['BAD_CHECKSUM', 'FRAME_TOO_LARGE', 'DECOMPRESSION_FAILED', 'UNKNOWN_COMPRESSION', 'TRUNCATED_FRAME'];

/**
 * Decodes a frame body (the bytes after the length header). bin values in `payload`, `id` and
 * `packed` may be views into `body` (raw frames, snappy blocks of one literal) or into the
 * decompressed copy.
 *
 * Throws, in this order of precedence when no candidate works: `FRAME_TOO_LARGE` when zlib or
 * gzip inflated past the cap, `BAD_CHECKSUM` (some candidate produced a body whose checksum does
 * not match; the stream cannot be trusted), `FRAME_TOO_LARGE` for other caps,
 * `DECOMPRESSION_FAILED`, `UNKNOWN_COMPRESSION`, `TRUNCATED_FRAME` (body shorter than a
 * checksum); `details.attempts` lists every candidate's failure. Then `BAD_MSGPACK` for
 * undecodable msgpack or a packet beyond `maxElements` / `maxDepth` (`details.limit` says which;
 * the decoder stops at the first container header over budget, before allocating it), and
 * `MALFORMED_PACKET` for anything but `[int, str|bin, number, ...]`.
 */
export function decodeFrameBody(body: Uint8Array, options: DecodeFrameOptions = {}): WireMessage {
  const wireMax = options.maxBytes ?? DEFAULT_MAX_FRAME_BYTES;
  if (body.length > wireMax) throw oversized(body.length, wireMax);
  const maxBytes = options.maxDecodedBytes ?? frameDecodedBudget(body.length, wireMax);
  const candidates = options.candidates === undefined || options.candidates.length === 0 ? RAW_ONLY : options.candidates;
  // The common case, the first candidate verifying, builds no error and catches nothing.
  let compression: number | null = candidates[0]!;
  let inner = attempt(compression, body, maxBytes);
  if (inner === undefined) {
    const found = tryEveryCandidate(candidates, body, maxBytes);
    inner = found.inner;
    compression = found.compression;
  }
  const packed = inner.subarray(CHECKSUM_BYTES);
  const value = decodeMsgpack(packed, {
    maxDepth: options.maxDepth ?? DEFAULT_MAX_DEPTH,
    maxElements: options.maxElements ?? frameElementBudget(body.length),
  });
  if (!Array.isArray(value)) throw new MalformedPacketError('packet is not a msgpack array');
  if (value.length < 3) {
    throw new MalformedPacketError(`packet array has ${value.length} elements, at least 3 required`, {
      details: { length: value.length },
    });
  }
  const type = toNumber(value[0]);
  if (type === undefined) throw new MalformedPacketError('packet main flag is not a number');
  const time = toNumber(value[2]);
  if (time === undefined) throw new MalformedPacketError('packet timestamp is not a number');
  return {
    type,
    sender: senderText(value[1]),
    time,
    payload: value.slice(3),
    id: inner.subarray(0, CHECKSUM_BYTES),
    packed,
    frameLength: HEADER_BYTES + body.length,
    compression,
    body,
  };
}

const RAW_ONLY: readonly (number | null)[] = Object.freeze([null]);

/**
 * The inner bytes (checksum ++ packed) one candidate yields when they verify, else undefined.
 * Never throws: the failure is worked out again, with its error, by {@link tryEveryCandidate}.
 */
function attempt(candidate: number | null, body: Uint8Array, maxBytes: number): Uint8Array | undefined {
  let inner: Uint8Array;
  if (candidate === null) {
    if (body.length > maxBytes) return undefined;
    inner = body;
  } else {
    const method = findCompression(candidate);
    if (method === undefined) return undefined;
    try {
      inner = method.decompress(body, maxBytes);
    } catch {
      return undefined;
    }
  }
  return inner.length >= CHECKSUM_BYTES && checksumMatches(inner) ? inner : undefined;
}

function checksumMatches(inner: Uint8Array): boolean {
  return sha256Matches(inner.subarray(CHECKSUM_BYTES), inner, 0);
}

/** The slow path: every candidate in order, each failure kept, the most telling one thrown. */
function tryEveryCandidate(
  candidates: readonly (number | null)[],
  body: Uint8Array,
  maxBytes: number,
): { inner: Uint8Array; compression: number | null } {
  const failures: P2PError[] = [];
  const attempts: { compression: number | null; code: string }[] = [];
  for (const candidate of candidates) {
    try {
      const inner = candidate === null ? rawInner(body, maxBytes) : decompressInner(candidate, body, maxBytes);
      if (inner.length < CHECKSUM_BYTES) {
        throw new TruncatedFrameError(`frame body of ${inner.length} bytes is shorter than its checksum`);
      }
      if (!checksumMatches(inner)) {
        throw new ChecksumMismatchError('frame checksum does not match its msgpack bytes');
      }
      return { inner, compression: candidate };
    } catch (err) {
      if (!(err instanceof P2PError)) throw err;
      failures.push(err);
      attempts.push({ compression: candidate, code: err.code });
    }
  }
  throw worstFailure(failures, attempts);
}

/**
 * The message id a frame body claims when it claims to be a broadcast, read without verifying
 * anything: from the first bytes of a raw body, or of a snappy body's opening literal (where a
 * real frame has its checksum and the start of its packet). Undefined when the body does not
 * show a broadcast that cheaply (zlib, gzip, an unusual snappy block, another main flag). A
 * receiver may drop a frame whose claimed id it has already accepted (a duplicate broadcast)
 * before decoding it: a frame that verifies under that id is the very packet already accepted.
 * Anything else must go through {@link decodeFrameBody}.
 */
export function peekBroadcastId(body: Uint8Array, compression: number | null): Uint8Array | undefined {
  const at = broadcastIdAt(body, compression);
  return at < 0 ? undefined : body.subarray(at, at + CHECKSUM_BYTES);
}

/**
 * Where the id {@link peekBroadcastId} reads starts (its 32 bytes follow), or -1, for the body
 * `bytes[start..end]` (all of `bytes` by default): the same answer without a view, for a
 * receiver that asks of every frame.
 */
export function broadcastIdAt(bytes: Uint8Array, compression: number | null, start = 0, end = bytes.length): number {
  let at = -1;
  if (compression === null) at = end - start >= PEEK_BYTES ? start : -1;
  else if (compression === CompressionFlags.snappy) at = snappyPrefixAt(bytes, PEEK_BYTES, start, end);
  if (at < 0) return -1;
  // The packet array's header, a fixarray or array16 of at least 4 elements, then main flag 0.
  const t = bytes[at + CHECKSUM_BYTES]!;
  const flagAt = t >= 0x94 && t <= 0x9f ? CHECKSUM_BYTES + 1 : t === 0xdc ? CHECKSUM_BYTES + 3 : -1;
  if (flagAt < 0 || bytes[at + flagAt] !== MainFlags.broadcast) return -1;
  return at;
}

/** Checksum, array header (at most 3 bytes) and main flag. */
const PEEK_BYTES = CHECKSUM_BYTES + 4;

/**
 * Decodes one whole frame (header included). The header must announce exactly the bytes that
 * follow: fewer throws `TRUNCATED_FRAME`, more `MALFORMED_PACKET`; a header above `maxBytes`
 * throws `FRAME_TOO_LARGE`. Otherwise as {@link decodeFrameBody}.
 */
export function decodeFrame(frame: Uint8Array, options: DecodeFrameOptions = {}): WireMessage {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_FRAME_BYTES;
  if (frame.length < HEADER_BYTES) throw new TruncatedFrameError(`frame of ${frame.length} bytes has no complete length header`);
  const length = readHeader(frame, 0);
  if (length > maxBytes) throw oversized(length, maxBytes);
  const available = frame.length - HEADER_BYTES;
  if (available < length) {
    throw new TruncatedFrameError(`frame header announces ${length} bytes but ${available} follow`, {
      details: { announced: length, available },
    });
  }
  if (available > length) {
    throw new MalformedPacketError(`frame header announces ${length} bytes but ${available} follow`, {
      details: { announced: length, available },
    });
  }
  return decodeFrameBody(frame.subarray(HEADER_BYTES), options);
}

function toNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  return undefined;
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

// py2p sends bin, js2p str (PROTOCOL.md 1.5, DIFF ids): both become text. The alphabet is not
// enforced here; routing decides what to do with odd ids.
function senderText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value instanceof Uint8Array) {
    // Most frames come from a few senders: their texts are kept, a few dozen ids at most.
    const n = value.length;
    const slot = n === 0 ? 0 : (n + value[0]! * 3 + value[n >> 1]! * 5 + value[n - 1]! * 7) & (SENDER_SLOTS - 1);
    const known = senders[slot];
    if (known !== undefined && bytesEqual(known.bytes, value)) return known.text;
    const ascii = asciiText(value);
    if (ascii !== undefined) {
      senders[slot] = { bytes: value.slice(), text: ascii };
      return ascii;
    }
    try {
      return strictUtf8.decode(value);
    } catch (err) {
      throw new MalformedPacketError('packet sender is not valid text', { cause: err });
    }
  }
  throw new MalformedPacketError('packet sender is neither str nor bin');
}

// Direct-mapped by a few of the id's bytes; entries hold ids of at most 128 bytes (asciiText).
const SENDER_SLOTS = 64;
const senders: ({ bytes: Uint8Array; text: string } | undefined)[] = new Array(SENDER_SLOTS).fill(undefined);

/** Text of all-ASCII bytes (every real node id), or undefined: a cheaper path than TextDecoder. */
function asciiText(bytes: Uint8Array): string | undefined {
  if (bytes.length > 128) return undefined;
  for (let i = 0; i < bytes.length; i++) if (bytes[i]! >= 0x80) return undefined;
  return String.fromCharCode.apply(null, bytes as unknown as number[]);
}

function rawInner(body: Uint8Array, maxBytes: number): Uint8Array {
  if (body.length > maxBytes) throw oversized(body.length, maxBytes);
  return body;
}

function decompressInner(flag: number, body: Uint8Array, maxBytes: number): Uint8Array {
  // getCompression throws UNKNOWN_COMPRESSION for flags we cannot decode (bz2, lzma, ...).
  return getCompression(flag).decompress(body, maxBytes);
}

// zlib and gzip only pass their cap by really inflating past it, which random bytes do not do:
// that outranks the raw candidate's checksum failure (a compressed frame always fails raw). A
// snappy cap error is only its length header's claim, which any random body can make.
const INFLATED = new Set<number | null>([CompressionFlags.gzip, CompressionFlags.zlib]);

function rankOf(failure: P2PError, compression: number | null): number {
  if (failure.code === 'FRAME_TOO_LARGE' && INFLATED.has(compression)) return -1;
  return FAILURE_RANK.indexOf(failure.code);
}

function worstFailure(failures: P2PError[], attempts: { compression: number | null; code: string }[]): P2PError {
  let worst = failures[0]!;
  let worstRank = rankOf(worst, attempts[0]!.compression);
  failures.forEach((f, i) => {
    const rank = rankOf(f, attempts[i]!.compression);
    if (rank < worstRank) [worst, worstRank] = [f, rank];
  });
  const options = { cause: worst, details: { ...worst.details, attempts } };
  switch (worst.code) {
    case 'BAD_CHECKSUM':
      return new ChecksumMismatchError(worst.message, options);
    case 'FRAME_TOO_LARGE':
      return new FrameTooLargeError(worst.message, options);
    case 'DECOMPRESSION_FAILED':
      return new DecompressionError(worst.message, options);
    case 'UNKNOWN_COMPRESSION':
      return new UnknownCompressionError(worst.message, options);
    default:
      return new TruncatedFrameError(worst.message, options);
  }
}

/** @internal */
export function oversized(length: number, maxBytes: number): FrameTooLargeError {
  return new FrameTooLargeError(`frame of ${length} bytes exceeds the limit of ${maxBytes}`, {
    details: { announced: length, maxBytes },
  });
}

/** @internal */
export function readHeader(bytes: Uint8Array, at: number): number {
  return ((bytes[at]! << 24) >>> 0) + (bytes[at + 1]! << 16) + (bytes[at + 2]! << 8) + bytes[at + 3]!;
}

