// Minimal types for snappyjs 0.7, which ships none. Only its encoder is used (raw block format);
// decoding goes through our strict snappy.ts.
declare module 'snappyjs' {
  export function compress(input: Uint8Array): Uint8Array;
  /** Used by the tests only, as a second decoder. */
  export function uncompress(input: Uint8Array, maxLength?: number): Uint8Array;
}

// The compressor itself, so its output can go into a buffer of ours (index.js allocates the
// worst case for every call).
declare module 'snappyjs/snappy_compressor.js' {
  export class SnappyCompressor {
    constructor(input: Uint8Array);
    maxCompressedLength(): number;
    /** Writes the block into `out` (at least `maxCompressedLength()` bytes); returns its length. */
    compressToBuffer(out: Uint8Array): number;
  }
}
