/**
 * The frame codec's sending side and its shapes (PROTOCOL.md 1.2-1.3): `u32be(len) ++
 * C(sha256(packed) ++ packed)` where `packed = msgpack([type, sender, time, ...payload])`. The
 * receiving side is frame-decode.ts.
 */
import { getCompression } from './compression';
import { CompressionFlags } from './flags';
import { concatBytes } from './bytes';
import { FrameTooLargeError, InvalidArgumentError } from './errors';
import { sha256 } from './hash';
import { SNAPPY_LITERAL_BELOW, literalBlockHeaderBytes, snappyCompressAfter, writeLiteralBlockHeader } from './snappy-compress';
import { STORED_BELOW, storedBytes, writeStored } from './deflate-stored';
import { encodePacket } from './msgpack-encode';

/** The fields of a packet array; `payload[0]` is the sub-flag. */
export interface PacketFields {
  /** Main flag (PROTOCOL.md 3.1). */
  type: number;
  /** Base58 id of the originator; travels as the bin of its ASCII bytes (PROTOCOL.md 1.5). */
  sender: string;
  /** Creation time in seconds (PROTOCOL.md 1.6). */
  time: number;
  payload: readonly unknown[];
}

/** A decoded frame, with the exact bytes relays must forward unchanged (PROTOCOL.md 1.4 step 5). */
export interface WireMessage extends PacketFields {
  /** The 32-byte SHA-256 checksum of `packed`, which is also the message id (PROTOCOL.md 2.4). */
  id: Uint8Array;
  /** The msgpack packet array exactly as received or sent. */
  packed: Uint8Array;
  /** Header plus body length as it crossed the wire (compressed size). */
  frameLength: number;
  /** The compression flag that decoded the body, or null for raw. */
  compression: number | null;
  /**
   * The frame body as it crossed the wire (compressed under `compression`), so a relay to a
   * link using the same method forwards it without compressing again. Set by
   * {@link decodeFrameBody}.
   */
  body?: Uint8Array;
}

/** Default cap on a frame body and on its decompressed size (PROTOCOL.md 9, F2). */
export const DEFAULT_MAX_FRAME_BYTES = 16 * 1024 * 1024;

/** @internal */
export const HEADER_BYTES = 4; // PROTOCOL.md 1.2
/** @internal */
export const CHECKSUM_BYTES = 32; // PROTOCOL.md 1.2, SHA-256
const MAX_BODY_BYTES = 0xffff_ffff; // what a u32 header can express

/**
 * Encodes the packet array and its checksum; sender goes out as bin (PROTOCOL.md 1.5). `packed`
 * is a view: its array also holds, in front of it, the rest of a frame, which
 * {@link frameFromPacked} then hands out (or compresses) as it is instead of building it again.
 * That is the snappy frame for a small packet (the method links between @p2p nodes use), the
 * raw frame for a larger one.
 */
export function packPacket(fields: PacketFields): { packed: Uint8Array; id: Uint8Array } {
  const { type, sender, time, payload } = fields;
  if (typeof sender !== 'string') throw new InvalidArgumentError('sender must be the base58 id text');
  const packed = encodePacket(type, sender, time, payload, frameRoom);
  const id = sha256(packed);
  const frame = new Uint8Array(packed.buffer, 0, packed.byteOffset);
  writeFramePrefix(frame, packed.length);
  frame.set(id, packed.byteOffset - CHECKSUM_BYTES);
  return { packed, id };
}

/** Whether `length` packed bytes go out as a snappy literal (else compressed, or raw). */
const isLiteral = (length: number): boolean => CHECKSUM_BYTES + length < SNAPPY_LITERAL_BELOW;

/** What goes in front of `length` packed bytes in the frame {@link packPacket} lays out. */
function frameRoom(length: number): number {
  const inner = CHECKSUM_BYTES + length;
  return isLiteral(length) ? HEADER_BYTES + literalBlockHeaderBytes(inner) + CHECKSUM_BYTES : HEADER_BYTES + CHECKSUM_BYTES;
}

/** That frame's prefix up to the checksum: the length header, and a literal block's header. */
function writeFramePrefix(frame: Uint8Array, packedLength: number): void {
  const inner = CHECKSUM_BYTES + packedLength;
  if (!isLiteral(packedLength)) {
    writeHeader(frame, inner);
    return;
  }
  writeHeader(frame, literalBlockHeaderBytes(inner) + inner);
  writeLiteralBlockHeader(frame, HEADER_BYTES, inner);
}

/** The frame {@link packPacket} laid out in front of `packed`, when it is there and intact. */
function laidOutFrame(packed: Uint8Array, id: Uint8Array): Uint8Array | undefined {
  const room = packed.byteOffset;
  if (room !== frameRoom(packed.length) || packed.buffer.byteLength !== room + packed.length) return undefined;
  const frame = new Uint8Array(packed.buffer, 0, room + packed.length);
  writeFramePrefix(PREFIX, packed.length);
  const at = room - CHECKSUM_BYTES;
  for (let i = 0; i < at; i++) if (frame[i] !== PREFIX[i]) return undefined;
  for (let i = 0; i < CHECKSUM_BYTES; i++) if (frame[at + i] !== id[i]) return undefined;
  return frame;
}

// Scratch for the expected prefix: header, varint and literal tag (at most 4 + 2 + 2 bytes here).
const PREFIX = new Uint8Array(16);

/**
 * Frames already packed bytes, e.g. to relay a received message unchanged under this link's
 * compression. The frame may share its bytes with `packed` (see {@link packPacket}): change
 * neither. Throws `UNKNOWN_COMPRESSION` for a flag we do not implement.
 */
export function frameFromPacked(packed: Uint8Array, id: Uint8Array, compression: number | null = null): Uint8Array {
  if (id.length !== CHECKSUM_BYTES) throw new InvalidArgumentError(`message id must be ${CHECKSUM_BYTES} bytes`);
  const laidOut = laidOutFrame(packed, id);
  const literal = isLiteral(packed.length);
  if (compression === null || compression === undefined) {
    const bodyLength = CHECKSUM_BYTES + packed.length;
    checkBodyLength(bodyLength);
    if (laidOut !== undefined && !literal) return laidOut;
    const frame = new Uint8Array(HEADER_BYTES + bodyLength);
    writeHeader(frame, bodyLength);
    frame.set(id, HEADER_BYTES);
    frame.set(packed, HEADER_BYTES + CHECKSUM_BYTES);
    return frame;
  }
  const innerLength = CHECKSUM_BYTES + packed.length;
  // Small bodies are wrapped, not compressed, written straight into the frame (one array).
  let frame: Uint8Array;
  if (compression === CompressionFlags.snappy && literal) {
    if (laidOut !== undefined) return laidOut;
    const at = HEADER_BYTES + literalBlockHeaderBytes(innerLength);
    frame = new Uint8Array(at + innerLength);
    writeLiteralBlockHeader(frame, HEADER_BYTES, innerLength);
    frame.set(id, at);
    frame.set(packed, at + CHECKSUM_BYTES);
  } else if ((compression === CompressionFlags.zlib || compression === CompressionFlags.gzip) && innerLength < STORED_BELOW) {
    frame = new Uint8Array(HEADER_BYTES + storedBytes(compression, innerLength));
    writeStored(compression, frame, HEADER_BYTES, id, packed);
  } else {
    const method = getCompression(compression);
    // A larger packet's raw frame holds checksum ++ packed as one run already.
    const inner = laidOut !== undefined && !literal ? laidOut.subarray(HEADER_BYTES) : concatBytes(id, packed);
    if (compression === CompressionFlags.snappy) frame = snappyCompressAfter(HEADER_BYTES, inner);
    else {
      const body = method.compress(inner);
      frame = new Uint8Array(HEADER_BYTES + body.length);
      frame.set(body, HEADER_BYTES);
    }
  }
  checkBodyLength(frame.length - HEADER_BYTES);
  writeHeader(frame, frame.length - HEADER_BYTES);
  return frame;
}

/** The 4-byte length header of a frame body (PROTOCOL.md 1.2), e.g. to relay a received body unchanged. */
export function frameHeader(bodyLength: number): Uint8Array {
  checkBodyLength(bodyLength);
  const header = new Uint8Array(HEADER_BYTES);
  writeHeader(header, bodyLength);
  return header;
}

/** Options of {@link encodeFrame}. */
export interface EncodeFrameOptions {
  /**
   * Compression flag for the body, or null for none.
   * @default null
   */
  compression?: number | null;
}

/** Packs and frames one message (PROTOCOL.md 1.3 pseudo-code). */
export function encodeFrame(fields: PacketFields, options: EncodeFrameOptions = {}): Uint8Array {
  const { packed, id } = packPacket(fields);
  return frameFromPacked(packed, id, options.compression ?? null);
}

function checkBodyLength(length: number): void {
  if (length > MAX_BODY_BYTES) throw new FrameTooLargeError(`frame body of ${length} bytes does not fit a 4-byte header`);
}

function writeHeader(frame: Uint8Array, length: number): void {
  frame[0] = length >>> 24;
  frame[1] = (length >>> 16) & 0xff;
  frame[2] = (length >>> 8) & 0xff;
  frame[3] = length & 0xff;
}
