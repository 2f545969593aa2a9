/**
 * Strict decoder for the raw snappy block format (PROTOCOL.md 1.7.1, flag 0x20). Our own because
 * snappyjs's decoder trusts its input: a forged literal length can send it backwards through
 * the buffer for billions of steps. Every length and offset here is checked before use.
 */
import { DecompressionError, FrameTooLargeError } from './errors';

// Best case of the format: a 3-byte copy tag yields 64 bytes. Anything claiming more is forged.
const MAX_RATIO = 64 / 3;

/**
 * Decodes one snappy block. Throws `FRAME_TOO_LARGE` above `maxOutputBytes`, else
 * `DECOMPRESSION_FAILED`. A block of one literal decodes to a view into `data`.
 */
export function snappyDecompress(data: Uint8Array, maxOutputBytes: number): Uint8Array {
  const end = data.length;
  let pos = 0;
  let length = 0;
  for (let shift = 0; ; shift += 7) {
    if (pos >= end || shift > 28) throw corrupt('bad length header');
    const c = data[pos++]!;
    length += (c & 0x7f) * 2 ** shift;
    if (c < 0x80) break;
  }
  if (length > 0xffff_ffff) throw corrupt('bad length header');
  if (length > maxOutputBytes) {
    throw new FrameTooLargeError(`decompressed body exceeds ${maxOutputBytes} bytes`, {
      details: { compression: 0x20, announced: length, maxBytes: maxOutputBytes },
    });
  }
  // Checked before allocating, so a tiny forged block cannot reserve megabytes.
  if (length > (end - pos) * MAX_RATIO) throw corrupt('length header larger than the block can hold');

  // A block that is one literal (how small frames are sent) holds its output as it is: a view.
  const first = literalAt(data, pos);
  if (first !== undefined && first.length === length && first.start + length === end) return data.subarray(first.start, end);

  const out = new Uint8Array(length);
  let op = 0;
  while (pos < end) {
    const tag = data[pos++]!;
    let len: number;
    let offset: number;
    switch (tag & 3) {
      case 0: {
        len = (tag >>> 2) + 1;
        if (len > 60) {
          const extra = len - 60;
          if (pos + extra > end) throw corrupt('truncated literal length');
          len = 0;
          for (let i = extra - 1; i >= 0; i--) len = len * 256 + data[pos + i]!;
          len += 1;
          pos += extra;
        }
        if (pos + len > end || op + len > length) throw corrupt('literal runs past the end');
        if (len < SHORT_RUN) for (let i = 0; i < len; i++) out[op + i] = data[pos + i]!;
        else out.set(data.subarray(pos, pos + len), op);
        pos += len;
        op += len;
        continue;
      }
      case 1:
        if (pos + 1 > end) throw corrupt('truncated copy');
        len = ((tag >>> 2) & 7) + 4;
        offset = ((tag >>> 5) << 8) | data[pos]!;
        pos += 1;
        break;
      case 2:
        if (pos + 2 > end) throw corrupt('truncated copy');
        len = (tag >>> 2) + 1;
        offset = data[pos]! | (data[pos + 1]! << 8);
        pos += 2;
        break;
      default:
        if (pos + 4 > end) throw corrupt('truncated copy');
        len = (tag >>> 2) + 1;
        offset = data[pos]! + data[pos + 1]! * 0x100 + data[pos + 2]! * 0x1_0000 + data[pos + 3]! * 0x100_0000;
        pos += 4;
    }
    if (offset === 0 || offset > op || op + len > length) throw corrupt('copy outside the output');
    if (offset >= len && len >= SHORT_RUN) {
      out.copyWithin(op, op - offset, op - offset + len);
      op += len;
    } else {
      // Overlapping copy repeats a short pattern: byte by byte is the definition. (Also the
      // cheaper way for short copies.)
      for (let i = 0; i < len; i++, op++) out[op] = out[op - offset]!;
    }
  }
  if (op !== length) throw corrupt(`block decodes to ${op} bytes, header says ${length}`);
  return out;
}

/** Runs shorter than this are copied byte by byte: cheaper than a subarray and a call. */
const SHORT_RUN = 16;

/** Where the literal whose tag is at `pos` starts and how long it is; undefined for another tag or a truncated one. */
function literalAt(data: Uint8Array, pos: number, end = data.length): { start: number; length: number } | undefined {
  if (pos >= end) return undefined;
  const tag = data[pos++]!;
  if ((tag & 3) !== 0) return undefined;
  let len = (tag >>> 2) + 1;
  if (len > 60) {
    const extra = len - 60;
    if (pos + extra > end) return undefined;
    len = 0;
    for (let i = extra - 1; i >= 0; i--) len = len * 256 + data[pos + i]!;
    len += 1;
    pos += extra;
  }
  return { start: pos, length: len };
}

function corrupt(reason: string): DecompressionError {
  return new DecompressionError(`invalid snappy data: ${reason}`, { details: { compression: 0x20 } });
}

/**
 * The first `n` bytes a snappy block decodes to, without decoding the rest (a message id is
 * the first 32). Undefined when the block is shorter or its start is not well formed; never
 * throws. Only a hint: the full decode still checks the whole block.
 */
export function snappyPrefix(data: Uint8Array, n: number): Uint8Array | undefined {
  const at = snappyPrefixAt(data, n);
  return at < 0 ? undefined : data.subarray(at, at + n);
}

/**
 * Where {@link snappyPrefix}'s bytes start in `data`, or -1, for the block `data[start..end]`:
 * the same answer without a view (a receiver asks for every frame, and a view is an allocation).
 */
export function snappyPrefixAt(data: Uint8Array, n: number, start = 0, end = data.length): number {
  let pos = start;
  let length = 0;
  for (let shift = 0; ; shift += 7) {
    if (pos >= end || shift > 28) return -1;
    const c = data[pos++]!;
    length += (c & 0x7f) * 2 ** shift;
    if (c < 0x80) break;
  }
  if (length < n) return -1;
  // A block starts with a literal (nothing to copy from yet); one long enough is the common case.
  const first = literalAt(data, pos, end);
  if (first === undefined || first.length < n || first.start + n > end) return -1;
  return first.start;
}
