/**
 * msgpack as py2p's u-msgpack writes it (PROTOCOL.md 1.5): smallest integer widths including
 * uint32/uint64, float64 only for real floats, bin versus str kept apart, maps with any key type,
 * never ext. Our own codec because generic libraries differ on exactly these points.
 *
 * Decoding maps: a map whose keys are all strings (and none is `"__proto__"`) becomes a plain
 * object; any other map becomes a `Map` (keys kept as decoded, bin keys as `Uint8Array`). Plain
 * objects follow JS key order (integer-like keys first); keep the raw bytes
 * ({@link decodeArrayWithRaw}, {@link RawMsgpack}) where the original order must survive.
 */
export { MsgpackFloat, RawMsgpack } from './msgpack-values';
export { encodeMsgpack } from './msgpack-encode';
export { decodeMsgpack, decodeArrayWithRaw, type MsgpackDecodeOptions, type ArrayWithRaw } from './msgpack-decode';
