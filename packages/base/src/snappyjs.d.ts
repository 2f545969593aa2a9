// Minimal types for snappyjs 0.7, which ships none. Only its encoder is used (raw block format);
// decoding goes through our strict snappy.ts.
declare module 'snappyjs' {
  export function compress(input: Uint8Array): Uint8Array;
}
