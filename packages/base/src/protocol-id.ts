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
 * A subnet plus an encryption name (`"Plaintext"`, `"SSL"`), identified by
 * `base58int(sha256(utf8(subnet + encryption + "0.7")))`. Immutable; the id is computed once.
 */
export class Protocol {
  readonly subnet: string;
  readonly encryption: string;
  /** Base58 text of the id; it travels as the bin of these ASCII bytes ({@link idBytes}). */
  readonly id: string;

  constructor(subnet: string, encryption: string) {
    this.subnet = subnet;
    this.encryption = encryption;
    // Plain concatenation without separators, as py2p does (so "ab"+"c" equals "a"+"bc").
    this.id = base58EncodeInt(bytesToBigInt(sha256(utf8Encode(subnet + encryption + PROTOCOL_VERSION))));
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
    return `Protocol(subnet=${JSON.stringify(this.subnet)}, encryption=${JSON.stringify(this.encryption)}, id=${this.id})`;
  }
}
