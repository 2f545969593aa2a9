// Minimal types for snappyjs 0.7 (raw snappy block format), which ships none.
declare module 'snappyjs' {
  export function compress(input: Uint8Array): Uint8Array;
  /** Throws when the block's length header exceeds `maxLength` or the bitstream is invalid. */
  export function uncompress(input: Uint8Array, maxLength?: number): Uint8Array;
}
