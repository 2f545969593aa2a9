/**
 * Typed errors. Every error raised or emitted by @p2p is a {@link P2PError} with a stable
 * `code`; test and branch on `code`, not on messages. Packages above base subclass P2PError
 * for their own failures (LEASE_HELD, NO_CONSENSUS, ...).
 */

/** Options accepted by every P2PError constructor. */
export interface P2PErrorOptions {
  cause?: unknown;
  /** Structured context (peer id, address, sizes). Never parsed from the message. */
  details?: Record<string, unknown>;
}

/**
 * A process-wide brand. A program can load two copies of base (the ESM and the CJS build, or
 * two versions): each has its own P2PError class, and both must recognise each other's errors.
 */
const BRAND = Symbol.for('@p2p/base.P2PError');

/** Base class of every error @p2p raises or emits. */
export class P2PError extends Error {
  readonly code: string;
  readonly details: Readonly<Record<string, unknown>>;

  constructor(code: string, message: string, options: P2PErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.details = options.details ?? {};
    this.name = new.target.name;
    Object.defineProperty(this, BRAND, { value: true });
  }

  /**
   * `instanceof P2PError` holds for errors of any copy of base; for subclasses the ordinary
   * prototype check applies (their copies differ, and their codes say what they are).
   */
  static override [Symbol.hasInstance](value: unknown): boolean {
    if (this === P2PError) return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
    return Function.prototype[Symbol.hasInstance].call(this, value);
  }
}

/** True when `err` is a P2PError (of any loaded copy of base), optionally with the given code. */
export function isP2PError(err: unknown, code?: string): err is P2PError {
  return err instanceof P2PError && (code === undefined || err.code === code);
}

/**
 * Emitted or thrown (`INTERNAL`) when something that is not a P2PError escaped from code that
 * must only produce P2PErrors: a bug in @p2p or in a user callback. `cause` holds the original.
 */
export class InternalError extends P2PError {
  constructor(message: string, options?: P2PErrorOptions) {
    super('INTERNAL', message, options);
  }
}

/**
 * `err` itself when it is a P2PError; otherwise it wrapped in `wrap` (default
 * {@link InternalError}), with the original as `cause` and its message kept.
 */
export function asP2PError(
  err: unknown,
  wrap: new (message: string, options?: P2PErrorOptions) => P2PError = InternalError,
): P2PError {
  if (isP2PError(err)) return err;
  return new wrap(err instanceof Error ? err.message : String(err), { cause: err });
}

/** Thrown when a frame's length header, or its decompressed body, exceeds the configured maximum. */
export class FrameTooLargeError extends P2PError {
  constructor(message: string, options?: P2PErrorOptions) {
    super('FRAME_TOO_LARGE', message, options);
  }
}

/** Thrown when a frame ends before its declared length, or its body is shorter than a checksum. */
export class TruncatedFrameError extends P2PError {
  constructor(message: string, options?: P2PErrorOptions) {
    super('TRUNCATED_FRAME', message, options);
  }
}

/** Thrown when a frame's SHA-256 checksum does not match its msgpack bytes. */
export class ChecksumMismatchError extends P2PError {
  constructor(message: string, options?: P2PErrorOptions) {
    super('BAD_CHECKSUM', message, options);
  }
}

/** Thrown when msgpack bytes cannot be decoded (garbage, truncated, trailing bytes, ext types). */
export class MsgpackDecodeError extends P2PError {
  constructor(message: string, options?: P2PErrorOptions) {
    super('BAD_MSGPACK', message, options);
  }
}

/** Thrown when decoded msgpack is not a valid packet array ([type, sender, time, ...payload]). */
export class MalformedPacketError extends P2PError {
  constructor(message: string, options?: P2PErrorOptions) {
    super('MALFORMED_PACKET', message, options);
  }
}

/** Thrown when a value cannot be encoded as msgpack (functions, symbols, cycles, huge ints). */
export class EncodeError extends P2PError {
  constructor(message: string, options?: P2PErrorOptions) {
    super('ENCODE_ERROR', message, options);
  }
}

/** Thrown when a compression flag is not one this node implements. */
export class UnknownCompressionError extends P2PError {
  constructor(message: string, options?: P2PErrorOptions) {
    super('UNKNOWN_COMPRESSION', message, options);
  }
}

/** Thrown when no decompression candidate yields a body whose checksum verifies. */
export class DecompressionError extends P2PError {
  constructor(message: string, options?: P2PErrorOptions) {
    super('DECOMPRESSION_FAILED', message, options);
  }
}

/** Thrown when text holds a character outside the base58 (Bitcoin) alphabet. */
export class InvalidBase58Error extends P2PError {
  constructor(message: string, options?: P2PErrorOptions) {
    super('INVALID_BASE58', message, options);
  }
}

/** Thrown when an argument is out of its documented domain. */
export class InvalidArgumentError extends P2PError {
  constructor(message: string, options?: P2PErrorOptions) {
    super('INVALID_ARGUMENT', message, options);
  }
}

/** Thrown when a peer's handshake carries another protocol id (subnet, encryption or version). */
export class ProtocolMismatchError extends P2PError {
  constructor(message: string, options?: P2PErrorOptions) {
    super('PROTOCOL_MISMATCH', message, options);
  }
}

/** Thrown when a socket asks for an encryption name no installed package has registered. */
export class TransportNotFoundError extends P2PError {
  constructor(message: string, options?: P2PErrorOptions) {
    super('TRANSPORT_NOT_FOUND', message, options);
  }
}

/** Thrown when a dial fails (refused, unreachable, reset during set-up). */
export class ConnectFailedError extends P2PError {
  constructor(message: string, options?: P2PErrorOptions) {
    super('CONNECT_FAILED', message, options);
  }
}

/** Thrown when a bind or listen fails (port taken, bad address). */
export class ListenFailedError extends P2PError {
  constructor(message: string, options?: P2PErrorOptions) {
    super('LISTEN_FAILED', message, options);
  }
}

/** Thrown when a call that waits on the network runs past its timeout. */
export class TimeoutError extends P2PError {
  constructor(message: string, options?: P2PErrorOptions) {
    super('TIMEOUT', message, options);
  }
}

/** Thrown when a call is cancelled through its AbortSignal. */
export class AbortError extends P2PError {
  constructor(message = 'the operation was aborted', options?: P2PErrorOptions) {
    super('ABORTED', message, options);
  }
}

/** Thrown when a closed socket or connection is used. */
export class ClosedError extends P2PError {
  constructor(message: string, options?: P2PErrorOptions) {
    super('CLOSED', message, options);
  }
}

/** Emitted when a connection drops (reset, EOF, write after end). */
export class ConnectionLostError extends P2PError {
  constructor(message: string, options?: P2PErrorOptions) {
    super('CONNECTION_LOST', message, options);
  }
}

/** Emitted when a peer does not complete its handshake in time. */
export class HandshakeTimeoutError extends P2PError {
  constructor(message: string, options?: P2PErrorOptions) {
    super('HANDSHAKE_TIMEOUT', message, options);
  }
}

/** Emitted when a partly received frame makes no progress for too long. */
export class StalledFrameError extends P2PError {
  constructor(message: string, options?: P2PErrorOptions) {
    super('STALLED_FRAME', message, options);
  }
}

/** Emitted when a well-framed message has a payload its handler cannot accept. */
export class BadMessageError extends P2PError {
  constructor(message: string, options?: P2PErrorOptions) {
    super('BAD_MESSAGE', message, options);
  }
}

/** Emitted when a message handler (built-in or user) throws. */
export class HandlerError extends P2PError {
  constructor(message: string, options?: P2PErrorOptions) {
    super('HANDLER_ERROR', message, options);
  }
}

/** Emitted or thrown when a bounded buffer, queue or table refuses more entries. */
export class LimitExceededError extends P2PError {
  constructor(message: string, options?: P2PErrorOptions) {
    super('LIMIT_EXCEEDED', message, options);
  }
}

/** Thrown when a key-value store (sync, chord) holds or knows no value for a key and no fallback was given. */
export class KeyNotFoundError extends P2PError {
  constructor(message: string, options?: P2PErrorOptions) {
    super('KEY_NOT_FOUND', message, options);
  }
}

/** Thrown by `applyDelta` when the delta or the stored value is not a map; emitted (delta ignored) for such a received delta. */
export class NotAMappingError extends P2PError {
  constructor(message: string, options?: P2PErrorOptions) {
    super('NOT_A_MAPPING', message, options);
  }
}

/** Emitted when a TLS session cannot be set up (plaintext peer, handshake failure, bad pin). */
export class TlsError extends P2PError {
  constructor(message: string, options?: P2PErrorOptions) {
    super('TLS_ERROR', message, options);
  }
}

/** Thrown when an identity (key pair, identity file, claimed id) is malformed, unreadable or unsafe. */
export class IdentityError extends P2PError {
  constructor(message: string, options?: P2PErrorOptions) {
    super('IDENTITY_INVALID', message, options);
  }
}

/** Emitted (the message dropped) or thrown when a signature does not verify, or a signed field does not match its signer. */
export class SignatureInvalidError extends P2PError {
  constructor(message: string, options?: P2PErrorOptions) {
    super('SIGNATURE_INVALID', message, options);
  }
}
