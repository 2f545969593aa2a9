/**
 * Signed mutable records (authenticated subnets only, in the manner of BEP 44): the codec, the
 * chord location of a record, the signing transcript and verification. Pure functions, no I/O.
 *
 * A record travels as an ordinary chord value (store, backup, retrieved), a msgpack array:
 * `[RECORD_TAG, publicKey: bin 32, name: bin, seq: uint, value, signature: bin 64]`. Its
 * location is the user key `RECORD_TAG || 0x00 || sha384(publicKey) || name`, hashed into the
 * five ring positions like any key (hashing.ts), so a storer recomputes it from the record.
 */
import {
  RawMsgpack,
  bigIntToBytes,
  bytesToBigInt,
  bytesEqual,
  concatBytes,
  decodeArrayWithRaw,
  encodeMsgpack,
  nodeIdFromPublicKey,
  nodeIdToBigInt,
  sha1,
  sha224,
  sha256,
  sha384,
  sha512,
  signedTranscript,
  utf8Encode,
  verifySignature,
  PUBLIC_KEY_BYTES,
  SIGNATURE_BYTES,
} from '@p2p/base';
import { getHashes, type HashMethod } from './hashing';

/** The first element of every record, and the prefix of every record location key. */
export const RECORD_TAG = 'p2p/chord-record/1';
/** The domain string that starts every signing transcript. */
export const RECORD_SIGNATURE_DOMAIN = 'p2p/chord-record-signature/1';
/** Longest record name, in bytes. */
export const MAX_RECORD_NAME_BYTES = 256;
/** Highest sequence number (exact in a JavaScript number). */
export const MAX_RECORD_SEQ = Number.MAX_SAFE_INTEGER;
/** Bytes an envelope adds around its value (tag, key, signature, seq, headers), not counting the name. */
export const RECORD_OVERHEAD_BYTES = 1 + 1 + RECORD_TAG.length + 2 + PUBLIC_KEY_BYTES + 3 + 9 + 2 + SIGNATURE_BYTES;
/** Length of an owner digest: sha384 of the public key, the node id's integer. */
export const OWNER_DIGEST_BYTES = 48;

const TAG_BYTES = utf8Encode(RECORD_TAG);
/** What every encoded record starts with: a 6-element array header, then the tag as str. */
const ENVELOPE_PREFIX = concatBytes(new Uint8Array([0x96]), encodeMsgpack(RECORD_TAG));

/** A record as parsed from its envelope (structure checked, signature not yet). */
export interface ParsedRecord {
  readonly publicKey: Uint8Array;
  readonly name: Uint8Array;
  readonly seq: number;
  /** The decoded value. */
  readonly value: unknown;
  /** The value's exact msgpack bytes, as signed. */
  readonly valueRaw: Uint8Array;
  readonly signature: Uint8Array;
  /** sha384 of the public key. */
  readonly ownerDigest: Uint8Array;
  /** The owner's node id (base58 of {@link ownerDigest}). */
  readonly owner: string;
}

/** What a received value is at a slot: not a record, a verified record, or an invalid one (with why). */
export type RecordCheck =
  | { readonly kind: 'plain' }
  | { readonly kind: 'record'; readonly record: ParsedRecord }
  | { readonly kind: 'invalid'; readonly reason: 'malformed' | 'signature' | 'location' };

/** The owner digest of a node id (base58 text) or a 32-byte public key; undefined for anything else. */
export function ownerDigest(owner: string | Uint8Array): Uint8Array | undefined {
  if (owner instanceof Uint8Array) return owner.length === PUBLIC_KEY_BYTES ? sha384(owner) : undefined;
  if (typeof owner !== 'string' || owner.length === 0 || owner.length > 128) return undefined;
  let n: bigint;
  try {
    n = nodeIdToBigInt(owner);
  } catch {
    return undefined;
  }
  const bytes = bigIntToBytes(n);
  if (bytes.length > OWNER_DIGEST_BYTES) return undefined;
  const out = new Uint8Array(OWNER_DIGEST_BYTES);
  out.set(bytes, OWNER_DIGEST_BYTES - bytes.length);
  return out;
}

/** The user key whose five hashes are the record's slots: `RECORD_TAG || 0x00 || digest || name`. */
export function recordLocationKey(digest: Uint8Array, name: Uint8Array): Uint8Array {
  return concatBytes(TAG_BYTES, new Uint8Array([0]), digest, name);
}

/** True for a key made by {@link recordLocationKey} (its bytes start with the tag and a zero byte). */
export function isRecordKey(key: Uint8Array): boolean {
  if (key.length < TAG_BYTES.length + 1 + OWNER_DIGEST_BYTES || key[TAG_BYTES.length] !== 0) return false;
  return bytesEqual(key.subarray(0, TAG_BYTES.length), TAG_BYTES);
}

/** True when `raw` (a stored value's msgpack) starts like a record; {@link parseRecord} decides whether it is one. */
export function looksLikeRecord(raw: Uint8Array): boolean {
  return raw.length > ENVELOPE_PREFIX.length && bytesEqual(raw.subarray(0, ENVELOPE_PREFIX.length), ENVELOPE_PREFIX);
}

/**
 * The signed bytes: `utf8(domain) 0x00 u16(n) utf8(subnet) u32(n) name u64(seq) u32(n) value`,
 * each variable part length-prefixed (big-endian), so no two different records share a
 * transcript. The subnet stands for the protocol: the protocol id also hashes the encryption in,
 * and a record crosses transports unchanged through a node that listens on several (mesh signs
 * its messages over the subnet for the same reason); only authenticated subnets have records.
 */
export function signingTranscript(subnet: string, name: Uint8Array, seq: number, valueRaw: Uint8Array): Uint8Array {
  return signedTranscript(RECORD_SIGNATURE_DOMAIN, [{ short: subnet }, { long: name }, { u64: seq }, { long: valueRaw }]);
}

/** Who signs: an identity's public key and signing call. */
export interface RecordSigner {
  readonly publicKey: Uint8Array;
  sign(data: Uint8Array): Uint8Array;
}

/** A signed record's envelope bytes. `valueRaw` is the value's msgpack, signed and sent as it is. */
export function encodeRecord(signer: RecordSigner, subnet: string, name: Uint8Array, seq: number, valueRaw: Uint8Array): Uint8Array {
  const signature = signer.sign(signingTranscript(subnet, name, seq, valueRaw));
  return encodeEnvelope(signer.publicKey, name, seq, valueRaw, signature);
}

/** The envelope of given parts (no signing: tests build forgeries with it). */
export function encodeEnvelope(publicKey: Uint8Array, name: Uint8Array, seq: number, valueRaw: Uint8Array, signature: Uint8Array): Uint8Array {
  return encodeMsgpack([RECORD_TAG, publicKey, name, seq, new RawMsgpack(valueRaw), signature]).slice();
}

/** The record in `raw`, structure checked (signature not); undefined when it is not a well-formed record. */
export function parseRecord(raw: Uint8Array): ParsedRecord | undefined {
  if (!looksLikeRecord(raw)) return undefined;
  let decoded: { values: unknown[]; raw: Uint8Array[] };
  try {
    decoded = decodeArrayWithRaw(raw);
  } catch {
    return undefined;
  }
  const [tag, publicKey, name, seq, value, signature] = decoded.values;
  if (decoded.values.length !== 6 || tag !== RECORD_TAG) return undefined;
  if (!(publicKey instanceof Uint8Array) || publicKey.length !== PUBLIC_KEY_BYTES) return undefined;
  if (!(name instanceof Uint8Array) || name.length > MAX_RECORD_NAME_BYTES) return undefined;
  if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 0) return undefined;
  if (!(signature instanceof Uint8Array) || signature.length !== SIGNATURE_BYTES) return undefined;
  const key = publicKey.slice();
  let owner: string | undefined;
  return {
    publicKey: key,
    name: name.slice(),
    seq,
    value,
    valueRaw: decoded.raw[4]!.slice(),
    signature: signature.slice(),
    ownerDigest: sha384(key),
    // base58 of a 384-bit integer costs more than the rest of the parse: only when asked.
    get owner(): string {
      return (owner ??= nodeIdFromPublicKey(key));
    },
  };
}

/** True when the record's signature is its owner's over its transcript in `subnet`. */
export function verifyRecord(record: ParsedRecord, subnet: string): boolean {
  return verifySignature(record.publicKey, signingTranscript(subnet, record.name, record.seq, record.valueRaw), record.signature);
}

/** The five ring positions of a record, in HASH_METHODS order (hashing.ts). */
export function recordSlots(digest: Uint8Array, name: Uint8Array): [bigint, bigint, bigint, bigint, bigint] {
  return getHashes(recordLocationKey(digest, name));
}

/** One of {@link getHashes}' five positions: the hash of `method`, placed as hashing.ts places it. */
const SLOT_HASH: Readonly<Record<HashMethod, (key: Uint8Array) => bigint>> = {
  sha1: (key) => bytesToBigInt(sha1(key)) << 224n,
  sha224: (key) => bytesToBigInt(sha224(key)) << 160n,
  sha256: (key) => bytesToBigInt(sha256(key)) << 128n,
  sha384: (key) => bytesToBigInt(sha384(key)),
  sha512: (key) => bytesToBigInt(sha512(key)),
};

/** True when slot `(method, k)` is one of the record's five positions (one hash, not five). */
export function recordAt(record: ParsedRecord, method: HashMethod, k: bigint): boolean {
  return SLOT_HASH[method](recordLocationKey(record.ownerDigest, record.name)) === k;
}

/**
 * What the value `raw` received for slot `(method, k)` is: `plain` when it does not start like a
 * record; else a record whose structure, signature and location all check, or `invalid`.
 * Without a slot (an answer not tied to one) the location is not checked.
 */
export function checkRecord(raw: Uint8Array, subnet: string, slot?: { method: HashMethod; k: bigint }): RecordCheck {
  if (!looksLikeRecord(raw)) return { kind: 'plain' };
  const record = parseRecord(raw);
  if (!record) return { kind: 'invalid', reason: 'malformed' };
  if (slot && !recordAt(record, slot.method, slot.k)) return { kind: 'invalid', reason: 'location' };
  if (!verifyRecord(record, subnet)) return { kind: 'invalid', reason: 'signature' };
  return { kind: 'record', record };
}
