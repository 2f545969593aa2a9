/**
 * The proof of an authenticated subnet's handshake (docs/protocol.md, "Authenticated subnets"),
 * as pure functions. After the plain handshake each side sends, signed as every message is,
 *
 *   hello  whisper / 0x2c [0, nonce: bin(32)]       a fresh random nonce for this connection
 *   proof  whisper / 0x2c [1, signature: bin(64)]   once it holds the peer's handshake and hello
 *
 * The proof signs {@link proofTranscript}: the domain, the link's protocol id, both ids and both
 * nonces, so a proof recorded on one connection fails on any other (the verifier's nonce is new).
 */
import { bytesEqual, nodeIdFromPublicKey, signedTranscript, verifySignature, type Identity } from '@p2p/base';

/**
 * The TS-only sub-flag of the hello and the proof: in py2p's reserved range (below 0x30), unused
 * by py2p and by the other packages (sync has 0x2d and 0x2e, chord 0x2f). Only authenticated
 * nodes send it, and only to each other (they share no protocol id with anything else).
 */
export const AUTH_SUBFLAG = 0x2c;
/** The first field of a 0x2c message. */
export const AuthKind = { hello: 0, proof: 1 } as const;
/** Length of a handshake nonce. */
export const NONCE_BYTES = 32;
/** The domain string that starts the proof transcript. */
export const HANDSHAKE_DOMAIN = 'p2p-auth-handshake/1';

export type AuthMessage =
  | { readonly kind: 'hello'; readonly nonce: Uint8Array }
  | { readonly kind: 'proof'; readonly signature: Uint8Array };

/** What a proof is about: the signer proves its key to the verifier on one connection. */
export interface ProofFacts {
  /** The protocol id of the link (its transport's, listeners.ts). */
  readonly protocolId: string;
  readonly signerId: string;
  readonly verifierId: string;
  readonly signerNonce: Uint8Array;
  readonly verifierNonce: Uint8Array;
}

/** A fresh nonce. */
export function newNonce(): Uint8Array {
  // Web Crypto: the same call in Node 20 and browsers.
  return globalThis.crypto.getRandomValues(new Uint8Array(NONCE_BYTES));
}

/** `[0, nonce]` (after the sub-flag). */
export function helloFields(nonce: Uint8Array): unknown[] {
  return [AuthKind.hello, nonce];
}

/** `[1, signature]` (after the sub-flag). */
export function proofFields(signature: Uint8Array): unknown[] {
  return [AuthKind.proof, signature];
}

/** `payload` is `Message.packets` (sub-flag first, envelope removed); undefined unless a well-formed hello or proof. */
export function parseAuthMessage(payload: readonly unknown[]): AuthMessage | undefined {
  if (payload.length !== 3) return undefined;
  const [, kind, value] = payload;
  if (!(value instanceof Uint8Array)) return undefined;
  if (kind === AuthKind.hello && value.length === NONCE_BYTES) return { kind: 'hello', nonce: value };
  if (kind === AuthKind.proof && value.length === 64) return { kind: 'proof', signature: value };
  return undefined;
}

/**
 * `utf8(HANDSHAKE_DOMAIN) 0x00 lp(protocolId) lp(signerId) lp(verifierId) signerNonce verifierNonce`,
 * where `lp(text)` is `u16be(n)` and the n UTF-8 bytes of `text`.
 */
export function proofTranscript(facts: ProofFacts): Uint8Array {
  return signedTranscript(HANDSHAKE_DOMAIN, [
    { short: facts.protocolId },
    { short: facts.signerId },
    { short: facts.verifierId },
    { raw: facts.signerNonce },
    { raw: facts.verifierNonce },
  ]);
}

export function makeProof(identity: Identity, facts: ProofFacts): Uint8Array {
  return identity.sign(proofTranscript(facts));
}

export function verifyProof(publicKey: Uint8Array, facts: ProofFacts, signature: Uint8Array): boolean {
  return verifySignature(publicKey, proofTranscript(facts), signature);
}

/** Why a peer's claim is refused before any proof: its id is not its key's, or its TLS certificate holds another key. */
export type ClaimFailure = 'id' | 'transport_key';

/**
 * Checks what the peer claims: the handshake's id must be the node id of the key that signed its
 * hello, and a key the transport authenticated (TLS `info.peerPublicKey`) must be that key.
 */
export function checkClaim(claimedId: string, publicKey: Uint8Array, transportKey: Uint8Array | undefined): ClaimFailure | undefined {
  if (nodeIdFromPublicKey(publicKey) !== claimedId) return 'id';
  if (transportKey !== undefined && !bytesEqual(transportKey, publicKey)) return 'transport_key';
  return undefined;
}
