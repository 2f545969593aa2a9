/**
 * The streaming side of the frame codec (PROTOCOL.md 1.4): splits one byte stream into frame
 * bodies, with the length header checked as soon as it arrives.
 */
import { TruncatedFrameError, type P2PError } from './errors';
import { CHECKSUM_BYTES, DEFAULT_MAX_FRAME_BYTES, HEADER_BYTES } from './frame';
import { oversized, readHeader } from './frame-decode';

/** Options of {@link FrameReader}. */
export interface FrameReaderOptions {
  /**
   * Largest body a length header may announce.
   * @default DEFAULT_MAX_FRAME_BYTES
   */
  maxFrameBytes?: number;
  /**
   * Return a body that lies within one pushed chunk as a view into it instead of a copy. The
   * view pins the chunk: a caller that keeps the body, or values decoded from it, copies it
   * first (`body.slice()`). For a reader that drops most frames after a glance (duplicates).
   * @default false
   */
  views?: boolean;
}

/** Sees a completed frame body in place (`bytes[start..end]`); true drops it (see {@link FrameReader.push}). */
export type SkipBody = (bytes: Uint8Array, start: number, end: number) => boolean;

/**
 * Incremental frame splitter for one stream (PROTOCOL.md 1.4): accepts chunks split anywhere
 * and returns each complete body as its own copy (unless `views`), so decoded bin views never
 * pin a socket chunk. Partial data is kept as a list of chunks and joined once, so a large frame arriving in
 * many pieces costs linear time. After a throw the stream is out of sync: every later `push`
 * rethrows the same error.
 */
export class FrameReader {
  readonly #maxFrameBytes: number;
  readonly #views: boolean;
  #chunks: Uint8Array[] = [];
  /** Index of the first chunk with unread bytes. */
  #first = 0;
  /** Offset of the first unread byte in `#chunks[#first]`. */
  #head = 0;
  /** Unread bytes across `#chunks`. */
  #buffered = 0;
  /** Body length announced by the current header, or -1 while waiting for a header. */
  #expected = -1;
  #failure: P2PError | undefined;

  constructor(options: FrameReaderOptions = {}) {
    this.#maxFrameBytes = options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
    this.#views = options.views === true;
  }

  /**
   * Adds received bytes; returns the frame bodies completed by them (possibly none).
   * Throws `FRAME_TOO_LARGE` as soon as a header announces more than `maxFrameBytes`, and
   * `TRUNCATED_FRAME` for a body too short to hold a checksum.
   *
   * `skip`, when given, sees each completed body in place first (`bytes[start..end]`, before any
   * view or copy of it is made) and drops it by returning true: for a receiver that discards
   * most frames after a glance (duplicates), a dropped body costs no allocation. It is called
   * for all the bodies of this push before the caller handles any of them.
   */
  push(chunk: Uint8Array, skip?: SkipBody): Uint8Array[] {
    if (this.#failure !== undefined) throw this.#failure;
    if (chunk.length > 0) {
      // A plain view: slicing a Buffer makes a Buffer object per slice.
      this.#chunks.push(chunk.constructor === Uint8Array ? chunk : new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length));
      this.#buffered += chunk.length;
    }
    const bodies: Uint8Array[] = [];
    for (;;) {
      if (this.#expected < 0) {
        if (this.#buffered < HEADER_BYTES) break;
        const length = this.#takeHeader();
        if (length > this.#maxFrameBytes) this.#fail(oversized(length, this.#maxFrameBytes));
        if (length < CHECKSUM_BYTES) {
          this.#fail(new TruncatedFrameError(`frame body of ${length} bytes is shorter than its checksum`, { details: { announced: length } }));
        }
        this.#expected = length;
      }
      if (this.#buffered < this.#expected) break;
      const body = this.#take(this.#expected, skip);
      if (body !== undefined) bodies.push(body);
      this.#expected = -1;
    }
    return bodies;
  }

  /** Bytes received but not yet returned as a body (a consumed header counts). */
  get bufferedBytes(): number {
    return this.#buffered + (this.#expected >= 0 ? HEADER_BYTES : 0);
  }

  /** True while part of a frame is buffered; a stream should end without one. */
  get hasPartialFrame(): boolean {
    return this.bufferedBytes > 0;
  }

  #fail(err: P2PError): never {
    this.#failure = err;
    this.#chunks = [];
    this.#first = 0;
    this.#buffered = 0;
    this.#head = 0;
    throw err;
  }

  /**
   * Removes and returns the next `n` buffered bytes as a fresh array (caller checked `n`), or
   * undefined when `skip` drops them.
   */
  #take(n: number, skip: SkipBody | undefined): Uint8Array | undefined {
    const first = this.#chunks[this.#first]!;
    const head = this.#head;
    if (first.length - head >= n) {
      // The common case: the whole body inside one chunk, one copy (or none).
      if (skip?.(first, head, head + n) === true) {
        this.#consume(n);
        return undefined;
      }
      const out = this.#views ? first.subarray(head, head + n) : first.slice(head, head + n);
      this.#consume(n);
      return out;
    }
    const out = new Uint8Array(n);
    let filled = 0;
    while (filled < n) {
      const chunk = this.#chunks[this.#first]!;
      const count = Math.min(chunk.length - this.#head, n - filled);
      out.set(chunk.subarray(this.#head, this.#head + count), filled);
      filled += count;
      this.#consume(count);
    }
    return skip?.(out, 0, n) === true ? undefined : out;
  }

  /** Removes and returns the next length header (caller checked that 4 bytes are buffered). */
  #takeHeader(): number {
    const first = this.#chunks[this.#first]!;
    const head = this.#head;
    let length: number;
    if (first.length - head >= HEADER_BYTES) {
      length = readHeader(first, head);
      this.#consume(HEADER_BYTES);
    } else {
      length = 0;
      for (let i = 0; i < HEADER_BYTES; i++) {
        length = length * 256 + this.#chunks[this.#first]![this.#head]!;
        this.#consume(1);
      }
    }
    return length;
  }

  /**
   * Moves past `n` bytes of the first chunk (`n` at most what is left of it). A finished chunk
   * is passed by index, not `shift()`ed (a shift of a long list copies it: a large frame in
   * tens of thousands of pieces would cost quadratic time); the list is compacted when mostly
   * passed, so each chunk costs amortised constant time.
   */
  #consume(n: number): void {
    this.#head += n;
    this.#buffered -= n;
    if (this.#head === this.#chunks[this.#first]!.length) {
      this.#head = 0;
      this.#first++;
      if (this.#first === this.#chunks.length) {
        this.#chunks = [];
        this.#first = 0;
      } else if (this.#first >= 64 && this.#first * 2 >= this.#chunks.length) {
        this.#chunks = this.#chunks.slice(this.#first);
        this.#first = 0;
      }
    }
  }
}
