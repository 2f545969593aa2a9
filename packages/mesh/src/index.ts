/**
 * @p2p/mesh: an unstructured peer-to-peer mesh (broadcast flooding with de-duplication,
 * whispers, reply routing), indistinguishable on the wire from py2p 0.7's `MeshSocket`.
 *
 * @example
 * ```ts
 * import { MeshSocket } from '@p2p/mesh';
 *
 * const a = await MeshSocket.listen();
 * const b = await MeshSocket.listen();
 * await b.connect(...a.outAddr);
 * a.on('message', (msg) => console.log(msg.packets)); // [0, 'hello']
 * b.send(['hello']);
 * ```
 * @packageDocumentation
 */
export {
  MeshSocket,
  type ConnectOptions,
  type SendOptions,
  type RegisterHandlerOptions,
  type MeshStats,
} from './mesh-socket';
export { MeshConnection, type ConnectionSendOptions, type ConnectionState } from './mesh-connection';
export type { MeshExtension, MeshHost, ExtensionHandler, SentMessage } from './extension';
export type { MeshEvents, PeerInfo, MessageHandler, BuiltinHandler } from './events';
export { offerable, DIAL_ONLY_ADDR, type Face, type ListeningAddress } from './listeners';
export { type MeshSocketOptions, type MeshListenOptions, type MeshLimits, type ResolvedLimits, DEFAULT_LIMITS, DEFAULT_MAX_OUTGOING } from './options';
export { InvalidHandlerError, ReplyRouteTimeoutError, SelfConnectError, PeerUnresponsiveError, BootstrapFailedError, IdInUseError, IdChangedError, AuthFailedError } from './errors';
export { type ReconnectOptions, DEFAULT_RECONNECT, redialDelay } from './reconnect';
export { type LivenessOptions, DEFAULT_LIVENESS } from './liveness';
export type { BootstrapOptions, BootstrapResult } from './seed-client';
export { WATERFALL_WINDOW_SECONDS } from './waterfall';
// What this README's examples and tables use, so `npm install @p2p/mesh` alone is enough.
export {
  Protocol,
  MainFlags,
  SubFlags,
  CompressionFlags,
  Message,
  P2PError,
  isP2PError,
  asP2PError,
  ConnectFailedError,
  ProtocolMismatchError,
  TimeoutError,
  AbortError,
  HandshakeTimeoutError,
  StalledFrameError,
  FrameTooLargeError,
  TruncatedFrameError,
  ChecksumMismatchError,
  MsgpackDecodeError,
  MalformedPacketError,
  DecompressionError,
  BadMessageError,
  HandlerError,
  LimitExceededError,
  EncodeError,
  ClosedError,
  ListenFailedError,
  TransportNotFoundError,
  InvalidArgumentError,
  Identity,
  IdentityError,
  SignatureInvalidError,
  nodeIdFromPublicKey,
  systemClock,
  memoryTransport,
  MemoryHub,
  createTransport,
  renderPrometheus,
  PROMETHEUS_CONTENT_TYPE,
  MetricsRegistry,
  type MetricsSnapshot,
  type MetricSnapshot,
  type Logger,
  type Clock,
  type Transport,
  type P2PErrorOptions,
} from '@p2p/base';
