// The bytes a signature covers: a domain string, then fields, each variable part
// length-prefixed (big-endian), so no two different statements share a transcript. One writer
// for every signed layout (mesh auth proofs, sync writes, chord records); each layout is its
// caller's and documented there.
import { joinBytes, utf8Encode } from './bytes';

/**
 * One field: `u8` a byte, `u64` a whole non-negative number as 8 bytes, `short` a u16 length and
 * the bytes (a string as UTF-8), `long` a u32 length and the bytes, `raw` bytes as they are.
 */
export type TranscriptField =
  | { readonly u8: number }
  | { readonly u64: number }
  | { readonly short: Uint8Array | string }
  | { readonly long: Uint8Array }
  | { readonly raw: Uint8Array };

/**
 * `utf8(domain) 0x00` followed by `fields` in order. Throws RangeError for a `short` longer than
 * 0xffff bytes, a `long` longer than 0xffffffff, a `u8` outside 0..255 or a `u64` that is not a
 * whole non-negative safe integer.
 */
export function signedTranscript(domain: string, fields: readonly TranscriptField[]): Uint8Array {
  const parts: Uint8Array[] = [utf8Encode(domain), Uint8Array.of(0)];
  for (const field of fields) {
    if ('u8' in field) {
      if (!Number.isInteger(field.u8) || field.u8 < 0 || field.u8 > 0xff) throw new RangeError(`not a byte: ${field.u8}`);
      parts.push(Uint8Array.of(field.u8));
    } else if ('u64' in field) {
      if (!Number.isSafeInteger(field.u64) || field.u64 < 0) throw new RangeError(`not a whole non-negative number: ${field.u64}`);
      const out = new Uint8Array(8);
      new DataView(out.buffer).setBigUint64(0, BigInt(field.u64));
      parts.push(out);
    } else if ('short' in field) {
      const bytes = typeof field.short === 'string' ? utf8Encode(field.short) : field.short;
      parts.push(prefix(bytes.length, 2), bytes);
    } else if ('long' in field) {
      parts.push(prefix(field.long.length, 4), field.long);
    } else {
      parts.push(field.raw);
    }
  }
  return joinBytes(parts);
}

function prefix(length: number, width: 2 | 4): Uint8Array {
  if (length > (width === 2 ? 0xffff : 0xffffffff)) throw new RangeError(`a field of ${length} bytes does not fit a ${width * 8}-bit length`);
  const out = new Uint8Array(width);
  const view = new DataView(out.buffer);
  if (width === 2) view.setUint16(0, length);
  else view.setUint32(0, length);
  return out;
}
