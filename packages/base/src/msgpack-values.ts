/** Values that steer the msgpack encoder (see msgpack.ts). */

/** Forces float64 (`cb`) for a number that happens to be integral, e.g. Python's `2.0`. */
export class MsgpackFloat {
  constructor(readonly value: number) {}
}

/**
 * Already-encoded msgpack, spliced verbatim by {@link encodeMsgpack}. The caller vouches that
 * `bytes` hold exactly one well-formed value (typically a range from {@link decodeArrayWithRaw}).
 */
export class RawMsgpack {
  constructor(readonly bytes: Uint8Array) {}
}
