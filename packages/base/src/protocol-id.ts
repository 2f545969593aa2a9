/**
 * The protocol id: which network a node belongs to (PROTOCOL.md 2.2).
 */
import { base58EncodeInt } from './base58';
import { utf8Encode } from './bytes';
import { bytesToBigInt, sha256 } from './hash';

/** Protocol version hashed into every protocol id (PROTOCOL.md 2.2, Appendix A). */
export const PROTOCOL_VERSION = '0.7';
/** py2p's node policy (build) number; informative only, it is not part of any id. */
export const NODE_POLICY_VERSION = '870';

const encoder = new TextEncoder();

/**
 * What an authenticated subnet appends to the hashed text of its protocol id. No py2p, js2p or
 * plain @p2p node computes this id, so they never mix with authenticated nodes: they get the
 * usual protocol mismatch.
 */
export const AUTH_SCHEME = 'auth-ed25519/1';

/** Options of a {@link Protocol}. */
export interface ProtocolOptions {
  /**
   * An authenticated subnet: node ids are derived from Ed25519 keys, handshakes prove key
   * possession, and every message is signed by its originator (docs/protocol.md, "Authenticated
   * subnets"). Default false: the py2p-compatible subnet.
   */
  auth?: boolean;
}

/**
 * A subnet plus an encryption name (`"Plaintext"`, `"SSL"`), identified by
 * `base58int(sha256(utf8(subnet + encryption + "0.7")))`, or with `{ auth: true }` by
 * `base58int(sha256(utf8(subnet + encryption + "0.7" + "/" + AUTH_SCHEME)))`. Immutable; the id is
 * computed once.
 */
export class Protocol {
  readonly subnet: string;
  readonly encryption: string;
  /** True for an authenticated subnet ({@link ProtocolOptions.auth}). */
  readonly auth: boolean;
  /** Base58 text of the id; it travels as the bin of these ASCII bytes ({@link idBytes}). */
  readonly id: string;

  constructor(subnet: string, encryption: string, options: ProtocolOptions = {}) {
    this.subnet = subnet;
    this.encryption = encryption;
    this.auth = options.auth === true;
    // Plain concatenation without separators, as py2p does (so "ab"+"c" equals "a"+"bc").
    const text = subnet + encryption + PROTOCOL_VERSION + (this.auth ? `/${AUTH_SCHEME}` : '');
    this.id = base58EncodeInt(bytesToBigInt(sha256(utf8Encode(text))));
    Object.freeze(this);
  }

  /** The id as sent in handshakes: msgpack bin of its ASCII text (PROTOCOL.md 1.5). */
  idBytes(): Uint8Array {
    return encoder.encode(this.id);
  }

  /** Same id (hence the same subnet, encryption and version). */
  equals(other: Protocol): boolean {
    return other instanceof Protocol && other.id === this.id;
  }

  toString(): string {
    const auth = this.auth ? ', auth=true' : '';
    return `Protocol(subnet=${JSON.stringify(this.subnet)}, encryption=${JSON.stringify(this.encryption)}${auth}, id=${this.id})`;
  }
}
