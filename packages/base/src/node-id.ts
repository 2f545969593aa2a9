/**
 * Node ids (PROTOCOL.md 2.3): base58 of a SHA-384 integer, so always below 2^384.
 */
import { base58DecodeInt, base58EncodeInt } from './base58';
import { concatBytes, utf8Encode } from './bytes';
import { InvalidArgumentError, isP2PError } from './errors';
import { bytesToBigInt, randomUuid, sha384 } from './hash';

/** Chord ring size and the bound every id must stay under (PROTOCOL.md 2.5). */
const ID_LIMIT = 1n << 384n;

/**
 * Python's `repr((host, port))`, e.g. `('127.0.0.1', 4444)`: the text py2p hashes into its ids.
 * Follows CPython's str repr rules for quoting and escapes, so odd host names hash the same.
 */
export function pythonAddrRepr(host: string, port: number): string {
  if (!Number.isSafeInteger(port)) throw new InvalidArgumentError('port must be an integer', { details: { port } });
  return `(${pythonStrRepr(host)}, ${port})`;
}

function pythonStrRepr(text: string): string {
  const quote = text.includes("'") && !text.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of text) {
    const code = ch.codePointAt(0)!;
    if (ch === quote || ch === '\\') out += '\\' + ch;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (code < 0x20 || code === 0x7f) out += '\\x' + code.toString(16).padStart(2, '0');
    // CPython also escapes non-printable non-ASCII; hosts never contain those, so keep it simple.
    else out += ch;
  }
  return out + quote;
}

/** Inputs of py2p's id recipe. */
export interface NodeIdInput {
  /** The address peers should dial, as `[host, port]`. */
  outAddr: readonly [string, number];
  /** Base58 protocol id ({@link Protocol.id}). */
  protocolId: string;
  /** Per-process salt; py2p uses a random UUID4 text ({@link randomSalt}). */
  salt: string;
}

/** `base58int(sha384(utf8(repr(outAddr)) ++ protocolId ++ utf8(salt)))`, as py2p computes it. */
export function makeNodeId({ outAddr, protocolId, salt }: NodeIdInput): string {
  const [host, port] = outAddr;
  const digest = sha384(concatBytes(utf8Encode(pythonAddrRepr(host, port)), utf8Encode(protocolId), utf8Encode(salt)));
  return base58EncodeInt(bytesToBigInt(digest));
}

/** A fresh random salt (UUID4 text). Inject your own for deterministic ids. */
export function randomSalt(): string {
  return randomUuid();
}

/** The id's integer value (its chord ring position). Throws `INVALID_BASE58` on bad text. */
export function nodeIdToBigInt(id: string): bigint {
  return base58DecodeInt(id);
}

/** True for non-empty base58 text whose value is below 2^384 (PROTOCOL.md 2.3). */
export function isValidNodeId(id: string): boolean {
  if (typeof id !== 'string' || id.length === 0 || id.length > 128) return false;
  try {
    return base58DecodeInt(id) < ID_LIMIT;
  } catch (err) {
    if (isP2PError(err)) return false;
    throw err;
  }
}
