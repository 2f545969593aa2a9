/**
 * Raised inside a platform's inflate when the output would pass its cap; `compression.ts` turns
 * it into `FRAME_TOO_LARGE`. Internal: it never leaves this package.
 */
export class OutputLimitError extends Error {
  constructor(readonly maxBytes: number) {
    super(`decompressed output exceeds ${maxBytes} bytes`);
  }
}
