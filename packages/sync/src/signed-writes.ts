/**
 * Owner-signed writes in authenticated subnets (docs/protocol.md, "Authenticated subnets",
 * "Sync"). A lease belongs to a key pair, not to a claimed id: every store and delete carries
 * its owner's Ed25519 signature over what the write is, made once when the owner writes, kept
 * with the version, and replayed verbatim, so a node that relays or replays someone else's
 * write can never change it. Pure functions: the transcript, signing, verifying.
 *
 * The signed bytes (big-endian lengths):
 * ```
 * utf8("p2p-sync-write/1") 0x00
 * u16(n) utf8(subnet)          the sync subnet, leasing digit included
 * u8 kind                      0 store, 1 delete
 * u32(n) key
 * u32(n) value                 the value's exact msgpack bytes; n = 0 for a delete
 * u16(n) utf8(owner)           the owner's node id
 * u64 timestamp                whole seconds
 * ```
 * The subnet stands for the protocol, as in mesh's message signatures and chord's records: the
 * protocol id also hashes the encryption in, and writes cross transports unchanged.
 */
import { nodeIdFromPublicKey, signedTranscript, utf8Encode, verifySignature, PUBLIC_KEY_BYTES, SIGNATURE_BYTES, type Identity } from '@p2p/base';

/** The domain string that starts every transcript. */
export const WRITE_SIGNATURE_DOMAIN = 'p2p-sync-write/1';

/** A write's kind, as signed. */
export const WriteKind = { store: 0, delete: 1 } as const;
export type WriteKind = (typeof WriteKind)[keyof typeof WriteKind];

/** What makes a version an owner's: its public key (whose hash is the owner id) and its signature. */
export interface WriteProof {
  readonly publicKey: Uint8Array;
  readonly signature: Uint8Array;
}

/** What a signature covers. `raw` is undefined for a delete. */
export interface SignedFields {
  readonly key: Uint8Array;
  readonly raw: Uint8Array | undefined;
  readonly owner: string;
  readonly timestamp: number;
}

/** The signed bytes of a write (see the module note); undefined for a timestamp that is not a whole non-negative number of seconds. */
export function writeTranscript(subnet: string, fields: SignedFields): Uint8Array | undefined {
  const { key, raw, owner, timestamp } = fields;
  if (!Number.isSafeInteger(timestamp) || timestamp < 0) return undefined;
  const net = utf8Encode(subnet);
  const who = utf8Encode(owner);
  const value = raw ?? new Uint8Array(0);
  if (net.length > 0xffff || who.length > 0xffff) return undefined;
  return signedTranscript(WRITE_SIGNATURE_DOMAIN, [
    { short: net },
    { u8: raw === undefined ? WriteKind.delete : WriteKind.store },
    { long: key },
    { long: value },
    { short: who },
    { u64: timestamp },
  ]);
}

/** This node's proof of a write it makes now (its own id as owner). */
export function signWrite(identity: Identity, subnet: string, fields: SignedFields): WriteProof {
  const transcript = writeTranscript(subnet, fields);
  if (transcript === undefined) throw new RangeError('a signed write needs a whole, non-negative timestamp');
  return { publicKey: identity.publicKey, signature: identity.sign(transcript) };
}

/** Why a received write's proof was refused, or undefined when it is the owner's. */
export type ProofFailure = 'malformed' | 'owner' | 'signature';

/**
 * Checks that `proof` is `fields.owner`'s signature of exactly this write: the key is 32 bytes
 * and hashes to the owner id, and the signature verifies over the transcript. Never throws.
 */
export function checkProof(subnet: string, fields: SignedFields, proof: WriteProof): ProofFailure | undefined {
  if (proof.publicKey.length !== PUBLIC_KEY_BYTES || proof.signature.length !== SIGNATURE_BYTES) return 'malformed';
  if (nodeIdFromPublicKey(proof.publicKey) !== fields.owner) return 'owner';
  const transcript = writeTranscript(subnet, fields);
  if (transcript === undefined) return 'malformed';
  return verifySignature(proof.publicKey, transcript, proof.signature) ? undefined : 'signature';
}
