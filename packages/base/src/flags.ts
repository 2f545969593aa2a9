// PROTOCOL.md, section 3 (Flags). All values are small ints on the wire.

/** Main flags: packet index 0, the routing class of a message. */
export const MainFlags = {
  broadcast: 0x00,
  renegotiate: 0x01,
  whisper: 0x02,
  ping: 0x03,
  pong: 0x04,
} as const;

/** Sub-flags: packet index 3, which is `Message.packets[0]`. */
export const SubFlags = {
  broadcast: 0x00,
  compression: 0x01,
  whisper: 0x02,
  ping: 0x03,
  pong: 0x04,
  handshake: 0x05,
  notify: 0x06,
  peers: 0x07,
  request: 0x08,
  resend: 0x09,
  response: 0x0a,
  store: 0x0b,
  retrieve: 0x0c,
  retrieved: 0x0d,
  forward: 0x0e,
  newPaths: 0x0f,
  revokePaths: 0x10,
  delta: 0x11,
} as const;

/** Compression method flags (their own namespace: gzip and the delta sub-flag are both 0x11). */
export const CompressionFlags = {
  bz2: 0x10,
  gzip: 0x11,
  lzma: 0x12,
  zlib: 0x13,
  snappy: 0x20,
} as const;

/**
 * Every py2p flag by its camelCase name, as `flags.*` in py2p. Main flags and the sub-flags that
 * share their values are one entry; compression flags live in {@link CompressionFlags}.
 */
export const Flags = {
  ...SubFlags,
  renegotiate: MainFlags.renegotiate,
} as const;

/** py2p reserves 0x00..0x2F; applications choosing their own sub-flags should start here. */
export const FIRST_APPLICATION_FLAG = 0x31;

export type MainFlag = (typeof MainFlags)[keyof typeof MainFlags];
export type SubFlag = (typeof SubFlags)[keyof typeof SubFlags];
export type CompressionFlag = (typeof CompressionFlags)[keyof typeof CompressionFlags];

/** Compression names py2p reserves (0x14..0x1F) but never implemented; never advertise them. */
export const ReservedCompressionFlags = {
  bwtc: 0x14,
  context1: 0x15,
  defsum: 0x16,
  dmc: 0x17,
  fenwick: 0x18,
  huffman: 0x19,
  lzjb: 0x1a,
  lzjbr: 0x1b,
  lzp3: 0x1c,
  mtf: 0x1d,
  ppmd: 0x1e,
  simple: 0x1f,
} as const;
