/**
 * Message signatures in authenticated subnets (docs/protocol.md, "Authenticated subnets"). The
 * originator appends its public key and an Ed25519 signature to the packet array:
 *
 *   [type, sender, time, sub-flag, ...fields, publicKey: bin(32), signature: bin(64)]
 *
 * signing `scope ++ body`, where `body` is the exact bytes of every element before the key (the
 * packet array without its header) and `scope` is {@link signingScope}. The sender field must be
 * the key's node id. The one unsigned message is the mesh handshake (exactly the plain layout,
 * so every other node still recognises a protocol mismatch); the proof that follows it binds the
 * handshake to the key (auth-handshake.ts). Pure functions and one small class: no I/O.
 */
import {
  MainFlags,
  SubFlags,
  encodeMsgpack,
  evictOldest,
  nodeIdFromPublicKey,
  packPacket,
  sha256,
  utf8Encode,
  verifySignature,
  type Identity,
  type PacketFields,
  type WireMessage,
} from '@p2p/base';

/** The domain string that starts every signed message's signed bytes. */
export const MESSAGE_DOMAIN = 'p2p-auth-message/1';

/** `bin8` headers of the two trailing fields, as the encoder writes 32- and 64-byte bins. */
const KEY_TAG = 0xc4;
const KEY_BYTES = 32;
const SIG_BYTES = 64;
/** The appended fields as bytes: `c4 20 <key> c4 40 <signature>`. */
export const ENVELOPE_BYTES = 2 + KEY_BYTES + 2 + SIG_BYTES;

/** Why a received message's signature was refused. */
export type SignatureFailure =
  /** No key and signature at the end, and not a mesh handshake (the one unsigned message). */
  | 'missing'
  /** The sender field is not the node id of the key that signed. */
  | 'sender'
  /** The signature does not verify over the received bytes. */
  | 'signature';

/**
 * What precedes the body in the signed bytes: `utf8(MESSAGE_DOMAIN) 0x00 u32be(n) utf8(subnet)`
 * (n bytes). The subnet, not the protocol id: the id hashes the encryption in, and a broadcast
 * crosses transports unchanged through a node listening on several (listeners.ts).
 */
export function signingScope(subnet: string): Uint8Array {
  const domain = utf8Encode(MESSAGE_DOMAIN);
  const name = utf8Encode(subnet);
  const out = new Uint8Array(domain.length + 5 + name.length);
  out.set(domain, 0);
  out[domain.length] = 0;
  new DataView(out.buffer).setUint32(domain.length + 1, name.length);
  out.set(name, domain.length + 5);
  return out;
}

/** True for the fields of a mesh handshake (whisper, sub-flag handshake, exactly 4 fields: PROTOCOL.md 4.2), which go out unsigned. */
export function isMeshHandshake(type: number, payload: readonly unknown[]): boolean {
  return type === MainFlags.whisper && payload[0] === SubFlags.handshake && payload.length === 5;
}

/** Packs this node's messages, signed: the sender module's one hook (sender.ts `pack`). */
export class MessageSigner {
  readonly #identity: Identity;
  readonly #scope: Uint8Array;

  constructor(identity: Identity, subnet: string) {
    this.#identity = identity;
    this.#scope = signingScope(subnet);
  }

  /** `packPacket` plus the envelope; the mesh handshake stays exactly as `packPacket` makes it. */
  pack(fields: PacketFields): { packed: Uint8Array; id: Uint8Array } {
    if (isMeshHandshake(fields.type, fields.payload)) return packPacket(fields);
    // The same array packPacket encodes (PROTOCOL.md 1.5: the sender as bin).
    const inner = encodeMsgpack([fields.type, utf8Encode(fields.sender), fields.time, ...fields.payload]);
    const { headerBytes, count } = arrayHeader(inner);
    const body = inner.subarray(headerBytes);
    const signed = new Uint8Array(this.#scope.length + body.length);
    signed.set(this.#scope, 0);
    signed.set(body, this.#scope.length);
    const signature = this.#identity.sign(signed);
    const header = encodeArrayHeader(count + 2);
    const packed = new Uint8Array(header.length + body.length + ENVELOPE_BYTES);
    packed.set(header, 0);
    let at = header.length;
    packed.set(body, at);
    at += body.length;
    packed[at++] = KEY_TAG;
    packed[at++] = KEY_BYTES;
    packed.set(this.#identity.publicKey, at);
    at += KEY_BYTES;
    packed[at++] = KEY_TAG;
    packed[at++] = SIG_BYTES;
    packed.set(signature, at);
    return { packed, id: sha256(packed) };
  }
}

/** Node ids of recently seen keys: hashing and base58-encoding a key costs more than a lookup. */
const KEY_IDS_KEPT = 1024;

/** Checks received messages' signatures for one subnet (the dispatcher's one instance). */
export class MessageVerifier {
  readonly #scope: Uint8Array;
  /** Key (as latin1 text) to node id, bounded, oldest dropped first. */
  readonly #ids = new Map<string, string>();

  constructor(subnet: string) {
    this.#scope = signingScope(subnet);
  }

  /**
   * The received `wire` without its two trailing fields (relays still forward `packed`, the
   * original bytes), a mesh handshake as it is, or why it was refused.
   */
  open(wire: WireMessage): WireMessage | SignatureFailure {
    const p = wire.packed;
    const n = wire.payload.length;
    const end = p.length;
    const enveloped =
      n >= 3 &&
      isBin(wire.payload[n - 2], KEY_BYTES) &&
      isBin(wire.payload[n - 1], SIG_BYTES) &&
      p[end - ENVELOPE_BYTES] === KEY_TAG &&
      p[end - ENVELOPE_BYTES + 1] === KEY_BYTES &&
      p[end - SIG_BYTES - 2] === KEY_TAG &&
      p[end - SIG_BYTES - 1] === SIG_BYTES;
    if (!enveloped) return isMeshHandshake(wire.type, wire.payload) ? wire : 'missing';
    const key = p.subarray(end - ENVELOPE_BYTES + 2, end - SIG_BYTES - 2);
    if (this.#idOf(key) !== wire.sender) return 'sender';
    const { headerBytes, count } = arrayHeader(p);
    // The shortest header only: another form of it would give the same signed bytes a second id,
    // and the copy would pass the de-duplication.
    if (headerBytes !== encodeArrayHeader(count).length) return 'signature';
    const body = p.subarray(headerBytes, end - ENVELOPE_BYTES);
    const signed = new Uint8Array(this.#scope.length + body.length);
    signed.set(this.#scope, 0);
    signed.set(body, this.#scope.length);
    if (!verifySignature(key, signed, p.subarray(end - SIG_BYTES))) return 'signature';
    return { ...wire, payload: wire.payload.slice(0, n - 2) };
  }

  #idOf(key: Uint8Array): string {
    const text = String.fromCharCode(...key);
    let id = this.#ids.get(text);
    if (id === undefined) {
      id = nodeIdFromPublicKey(key);
      this.#ids.set(text, id);
      evictOldest(this.#ids, KEY_IDS_KEPT);
    }
    return id;
  }
}

/** The public key of a message {@link MessageVerifier.open} accepted with an envelope (the node id of its sender). */
export function signerKey(wire: WireMessage): Uint8Array {
  const end = wire.packed.length;
  return wire.packed.subarray(end - ENVELOPE_BYTES + 2, end - SIG_BYTES - 2);
}

function isBin(value: unknown, length: number): boolean {
  return value instanceof Uint8Array && value.length === length;
}

/** The header of a msgpack array (fixarray, array16, array32): its length in bytes and element count. */
function arrayHeader(bytes: Uint8Array): { headerBytes: number; count: number } {
  const t = bytes[0]!;
  if (t >= 0x90 && t <= 0x9f) return { headerBytes: 1, count: t & 0x0f };
  if (t === 0xdc) return { headerBytes: 3, count: (bytes[1]! << 8) | bytes[2]! };
  // 0xdd: the decoder accepted the packet as an array, so nothing else is left.
  return { headerBytes: 5, count: ((bytes[1]! << 24) | (bytes[2]! << 16) | (bytes[3]! << 8) | bytes[4]!) >>> 0 };
}

function encodeArrayHeader(count: number): Uint8Array {
  if (count <= 0x0f) return Uint8Array.of(0x90 | count);
  if (count <= 0xffff) return Uint8Array.of(0xdc, count >> 8, count & 0xff);
  return Uint8Array.of(0xdd, count >>> 24, (count >> 16) & 0xff, (count >> 8) & 0xff, count & 0xff);
}
