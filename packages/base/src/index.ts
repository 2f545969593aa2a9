/**
 * @p2p/base: the wire layer shared by every @p2p socket, byte-compatible with py2p/js2p 0.7.
 *
 * @example
 * ```ts
 * import { Protocol, encodeFrame, decodeFrame, MainFlags, SubFlags } from '@p2p/base';
 *
 * const protocol = new Protocol('mesh', 'Plaintext');
 * const frame = encodeFrame({ type: MainFlags.broadcast, sender: 'abc', time: 1500000000,
 *   payload: [SubFlags.broadcast, 'hello'] });
 * const message = decodeFrame(frame);
 * console.log(protocol.id, message.payload); // EpAmyZWv... [0, 'hello']
 * ```
 * @packageDocumentation
 */
export {
  P2PError,
  isP2PError,
  asP2PError,
  InternalError,
  FrameTooLargeError,
  TruncatedFrameError,
  ChecksumMismatchError,
  MsgpackDecodeError,
  MalformedPacketError,
  EncodeError,
  UnknownCompressionError,
  DecompressionError,
  InvalidBase58Error,
  InvalidArgumentError,
  ProtocolMismatchError,
  TransportNotFoundError,
  ConnectFailedError,
  ListenFailedError,
  TimeoutError,
  AbortError,
  ClosedError,
  ConnectionLostError,
  HandshakeTimeoutError,
  StalledFrameError,
  BadMessageError,
  HandlerError,
  LimitExceededError,
  TlsError,
  KeyNotFoundError,
  NotAMappingError,
  IdentityError,
  SignatureInvalidError,
  type P2PErrorOptions,
} from './errors';
export {
  MainFlags,
  SubFlags,
  CompressionFlags,
  ReservedCompressionFlags,
  Flags,
  FIRST_APPLICATION_FLAG,
  type MainFlag,
  type SubFlag,
  type CompressionFlag,
} from './flags';
export { base58Encode, base58Decode, base58EncodeInt, base58DecodeInt } from './base58';
export { fieldText, fieldBytes, isMapping, keyBytes, type KeyInput } from './fields';
export { toHex, fromHex, utf8Encode, utf8Decode, bytesEqual, concatBytes, joinBytes, compareBytes } from './bytes';
export { evictOldest, evictionSlack, type Evictable } from './evict-oldest';
export { signedTranscript, type TranscriptField } from './transcript';
export { sha1, sha224, sha256, sha384, sha512, bytesToBigInt, bigIntToBytes } from './hash';
export { Protocol, PROTOCOL_VERSION, NODE_POLICY_VERSION, AUTH_SCHEME, type ProtocolOptions } from './protocol-id';
export { Identity, nodeIdFromPublicKey, verifySignature, PUBLIC_KEY_BYTES, SIGNATURE_BYTES } from './identity';
export { makeNodeId, pythonAddrRepr, randomSalt, nodeIdToBigInt, isValidNodeId } from './node-id';
export {
  encodeMsgpack,
  decodeMsgpack,
  decodeArrayWithRaw,
  MsgpackFloat,
  RawMsgpack,
  type MsgpackDecodeOptions,
  type ArrayWithRaw,
} from './msgpack';
export {
  type DecodeLimits,
  DEFAULT_MAX_DEPTH,
  MIN_FRAME_ELEMENTS,
  MAX_FRAME_ELEMENTS,
  frameElementBudget,
  MIN_FRAME_DECODED_BYTES,
  MAX_COMPRESSION_RATIO,
  frameDecodedBudget,
} from './decode-limits';
export {
  type CompressionMethod,
  DEFAULT_COMPRESSIONS,
  getCompression,
  isSupportedCompression,
  chooseCompression,
  negotiateReply,
  decodeCandidates,
} from './compression';
export {
  type PacketFields,
  type WireMessage,
  DEFAULT_MAX_FRAME_BYTES,
  packPacket,
  frameFromPacked,
  frameHeader,
  encodeFrame,
} from './frame';
export { type DecodeFrameOptions, decodeFrameBody, peekBroadcastId, broadcastIdAt, decodeFrame } from './frame-decode';
export { FrameReader, type FrameReaderOptions, type SkipBody } from './frame-reader';
export { Message, type MessageInit } from './message';
export { TypedEmitter, type EventMap, type Listener } from './events';
export { type Logger, silentLogger, scopedLogger, namespaceLogger, DEBUG_NAMESPACE } from './logger';
export {
  MetricsRegistry,
  Counter,
  Gauge,
  Histogram,
  CounterSeries,
  GaugeSeries,
  HistogramSeries,
  OVERFLOW_LABEL,
  PROMETHEUS_CONTENT_TYPE,
  renderPrometheus,
  type Collect,
  type MetricKind,
  type MetricSnapshot,
  type MetricsSnapshot,
  type MetricsRegistryOptions,
  type SeriesSnapshot,
  type HistogramSeriesSnapshot,
} from './metrics';
export { type Clock, type TimerHandle, systemClock, unixSeconds } from './clock';
export { type WaitOptions, withDeadline } from './abort';
export {
  type Endpoint,
  type Transport,
  type TransportConnection,
  type TransportConnectionEvents,
  type TransportListener,
  type ListenOptions,
  type DialOptions,
  TransportConnectionBase,
} from './transport';
export {
  type TransportFactory,
  registerTransport,
  unregisterTransport,
  hasTransport,
  registeredEncryptions,
  createTransport,
} from './transport-registry';
// Node: TCP over node:net. Browser build: lanAddress() is '127.0.0.1', the TCP helpers throw
// TRANSPORT_NOT_FOUND (see platform/browser.ts).
export { tcpTransport, lanAddress, NetSocketConnection, listenNetServer, dialNetSocket } from '#platform';
export { MemoryHub, memoryTransport } from './memory-transport';
