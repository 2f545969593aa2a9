/**
 * Node identities for authenticated subnets: an Ed25519 key pair, and the node id derived from
 * its public key in the usual 384-bit base58 form, so routing, ring and conflict arithmetic
 * are the same as for py2p's salted ids.
 */
import { base58EncodeInt } from './base58';
import { fromHex, toHex } from './bytes';
import { IdentityError } from './errors';
import { bytesToBigInt, sha384 } from './hash';
import { ed25519RandomSecretKey, ed25519Signer, ed25519Verify, fileModesApply, readPrivateFile, writePrivateFile } from '#platform';

/** Length of an Ed25519 public key and of its secret seed, in bytes. */
export const PUBLIC_KEY_BYTES = 32;
/** Length of an Ed25519 signature, in bytes. */
export const SIGNATURE_BYTES = 64;

/** `base58int(sha384(publicKey))`: the node id a key pair stands for in an authenticated subnet. */
export function nodeIdFromPublicKey(publicKey: Uint8Array): string {
  if (publicKey.length !== PUBLIC_KEY_BYTES) {
    throw new IdentityError(`an Ed25519 public key has ${PUBLIC_KEY_BYTES} bytes, not ${publicKey.length}`);
  }
  return base58EncodeInt(bytesToBigInt(sha384(publicKey)));
}

/** True when `signature` is `publicKey`'s Ed25519 signature of exactly `data`. Never throws. */
export function verifySignature(publicKey: Uint8Array, data: Uint8Array, signature: Uint8Array): boolean {
  return ed25519Verify(publicKey, data, signature);
}

/** The identity file's JSON (see {@link Identity.toFileText}). */
interface IdentityFile {
  type: 'p2p-identity';
  version: 1;
  algorithm: 'ed25519';
  id: string;
  publicKey: string;
  secretKey: string;
}

/**
 * An Ed25519 key pair and the node id it proves. The secret key never leaves the object except
 * through {@link secretKey} and {@link toFileText}, which a program calls on purpose.
 */
export class Identity {
  /** The 32-byte public key. */
  readonly publicKey: Uint8Array;
  /** The node id: {@link nodeIdFromPublicKey} of the public key. */
  readonly id: string;
  readonly #seed: Uint8Array;
  readonly #sign: (data: Uint8Array) => Uint8Array;

  private constructor(seed: Uint8Array) {
    const signer = ed25519Signer(seed);
    this.#seed = seed;
    this.#sign = signer.sign;
    this.publicKey = signer.publicKey;
    this.id = nodeIdFromPublicKey(signer.publicKey);
    Object.freeze(this);
  }

  /** A new random key pair. */
  static generate(): Identity {
    return new Identity(ed25519RandomSecretKey());
  }

  /** The key pair of a 32-byte secret key (an Ed25519 seed, RFC 8032). */
  static fromSecretKey(secretKey: Uint8Array): Identity {
    if (!(secretKey instanceof Uint8Array) || secretKey.length !== PUBLIC_KEY_BYTES) {
      throw new IdentityError(`an Ed25519 secret key has ${PUBLIC_KEY_BYTES} bytes`);
    }
    return new Identity(Uint8Array.from(secretKey));
  }

  /** Parses the text of an identity file; throws `IDENTITY_INVALID` if anything does not match. */
  static fromFileText(text: string): Identity {
    let file: Partial<IdentityFile>;
    try {
      file = JSON.parse(text) as Partial<IdentityFile>;
    } catch (err) {
      throw new IdentityError('an identity file is JSON; this one does not parse', { cause: err });
    }
    if (file === null || typeof file !== 'object' || file.type !== 'p2p-identity' || file.version !== 1 || file.algorithm !== 'ed25519') {
      throw new IdentityError('not a version 1 ed25519 p2p-identity file');
    }
    if (typeof file.secretKey !== 'string' || !/^[0-9a-f]{64}$/.test(file.secretKey)) {
      throw new IdentityError('the identity file has no 32-byte hex secretKey');
    }
    const identity = new Identity(fromHex(file.secretKey));
    if (file.publicKey !== undefined && file.publicKey !== toHex(identity.publicKey)) {
      throw new IdentityError('the identity file\'s publicKey does not belong to its secretKey');
    }
    if (file.id !== undefined && file.id !== identity.id) {
      throw new IdentityError('the identity file\'s id is not the hash of its public key', { details: { id: file.id } });
    }
    return identity;
  }

  /**
   * Reads an identity file. Refuses (`IDENTITY_INVALID`) a file that others may read (any
   * group or other permission bit), as ssh does, and one that does not exist.
   */
  static load(path: string): Identity {
    const file = readPrivateFile(path);
    if (file === undefined) throw new IdentityError(`no identity file at ${path}`, { details: { path } });
    if (fileModesApply && (file.mode & 0o077) !== 0) {
      throw new IdentityError(`identity file ${path} is readable by others; run chmod 600 on it`, {
        details: { path, mode: (file.mode & 0o777).toString(8) },
      });
    }
    return Identity.fromFileText(file.text);
  }

  /** Loads `path`, or generates an identity and saves it there (mode 0600) when it does not exist. */
  static loadOrCreate(path: string): Identity {
    if (readPrivateFile(path) !== undefined) return Identity.load(path);
    const identity = Identity.generate();
    identity.save(path);
    return identity;
  }

  /** Signs `data` (Ed25519, 64 bytes). */
  sign(data: Uint8Array): Uint8Array {
    return this.#sign(data);
  }

  /** A copy of the 32-byte secret key. Whoever holds it can act as this node. */
  secretKey(): Uint8Array {
    return Uint8Array.from(this.#seed);
  }

  /**
   * The identity file's text: one JSON object with `type: "p2p-identity"`, `version: 1`,
   * `algorithm: "ed25519"`, `id` (base58), and `publicKey` and `secretKey` as lowercase hex.
   */
  toFileText(): string {
    const file: IdentityFile = {
      type: 'p2p-identity',
      version: 1,
      algorithm: 'ed25519',
      id: this.id,
      publicKey: toHex(this.publicKey),
      secretKey: toHex(this.#seed),
    };
    return JSON.stringify(file, null, 2) + '\n';
  }

  /** Writes the identity file to `path`, owner-only (0600), replacing it atomically. */
  save(path: string): void {
    writePrivateFile(path, this.toFileText());
  }

  /** Never prints the secret key. */
  toString(): string {
    return `Identity(${this.id})`;
  }

  toJSON(): { id: string; publicKey: string } {
    return { id: this.id, publicKey: toHex(this.publicKey) };
  }
}
