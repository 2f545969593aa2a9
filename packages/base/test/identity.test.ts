import { mkdtempSync, rmSync, statSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as nodePlatform from '../src/platform/node';
import * as browserPlatform from '../src/platform/browser';
import { base58DecodeInt } from '../src/base58';
import { fromHex, toHex, utf8Encode } from '../src/bytes';
import { bytesToBigInt, sha384 } from '../src/hash';
import { Identity, nodeIdFromPublicKey, verifySignature } from '../src/identity';
import { isValidNodeId } from '../src/node-id';
import { AUTH_SCHEME, Protocol } from '../src/protocol-id';
import { codeOf } from './helpers';

// RFC 8032, section 7.1, TEST 1 (empty message) and TEST 2 (one byte, 0x72).
const RFC_1 = {
  secret: '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60',
  public: 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a',
  message: '',
  signature:
    'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
};
const RFC_2 = {
  secret: '4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb',
  public: '3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c',
  message: '72',
  signature:
    '92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00',
};
const isNode = process.env.P2P_EXPECT_PLATFORM !== 'browser';
const folder = mkdtempSync(join(tmpdir(), 'p2p-identity-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

describe('Identity', () => {
  for (const v of [RFC_1, RFC_2]) {
    it(`matches RFC 8032 (public key and signature of ${v.message.length / 2} bytes)`, () => {
      const identity = Identity.fromSecretKey(fromHex(v.secret));
      expect(toHex(identity.publicKey)).toBe(v.public);
      expect(toHex(identity.sign(fromHex(v.message)))).toBe(v.signature);
      expect(verifySignature(identity.publicKey, fromHex(v.message), fromHex(v.signature))).toBe(true);
    });
  }

  it('both platforms make the same keys and signatures, and verify each other', () => {
    for (let i = 0; i < 8; i++) {
      const seed = nodePlatform.ed25519RandomSecretKey();
      const a = nodePlatform.ed25519Signer(seed);
      const b = browserPlatform.ed25519Signer(seed);
      expect(toHex(a.publicKey)).toBe(toHex(b.publicKey));
      const data = utf8Encode(`message ${i}`);
      const sig = a.sign(data);
      expect(toHex(b.sign(data))).toBe(toHex(sig));
      expect(browserPlatform.ed25519Verify(a.publicKey, data, sig)).toBe(true);
      expect(nodePlatform.ed25519Verify(b.publicKey, data, sig)).toBe(true);
    }
    expect(browserPlatform.ed25519RandomSecretKey()).toHaveLength(32);
  });

  it('derives the id as base58 of sha384(publicKey), a valid 384-bit node id', () => {
    const identity = Identity.generate();
    expect(identity.id).toBe(nodeIdFromPublicKey(identity.publicKey));
    expect(base58DecodeInt(identity.id)).toBe(bytesToBigInt(sha384(identity.publicKey)));
    expect(isValidNodeId(identity.id)).toBe(true);
    expect(Identity.generate().id).not.toBe(identity.id);
  });

  it('refuses a changed byte, a wrong key, and malformed keys or signatures, without throwing', () => {
    const identity = Identity.generate();
    const other = Identity.generate();
    const data = utf8Encode('hello');
    const sig = identity.sign(data);
    expect(verifySignature(identity.publicKey, data, sig)).toBe(true);
    expect(verifySignature(identity.publicKey, utf8Encode('hellp'), sig)).toBe(false);
    expect(verifySignature(other.publicKey, data, sig)).toBe(false);
    const flipped = Uint8Array.from(sig);
    flipped[10]! ^= 1;
    expect(verifySignature(identity.publicKey, data, flipped)).toBe(false);
    expect(verifySignature(identity.publicKey, data, sig.subarray(0, 63))).toBe(false);
    expect(verifySignature(new Uint8Array(31), data, sig)).toBe(false);
    expect(verifySignature(new Uint8Array(32).fill(0xff), data, sig)).toBe(false);
    expect(codeOf(() => Identity.fromSecretKey(new Uint8Array(31)))).toBe('IDENTITY_INVALID');
    expect(codeOf(() => nodeIdFromPublicKey(new Uint8Array(33)))).toBe('IDENTITY_INVALID');
  });

  it('round-trips through the file text and rejects tampered files', () => {
    const identity = Identity.generate();
    const text = identity.toFileText();
    const file = JSON.parse(text);
    expect(file).toMatchObject({ type: 'p2p-identity', version: 1, algorithm: 'ed25519', id: identity.id });
    const back = Identity.fromFileText(text);
    expect(back.id).toBe(identity.id);
    expect(toHex(back.secretKey())).toBe(toHex(identity.secretKey()));
    expect(codeOf(() => Identity.fromFileText('{'))).toBe('IDENTITY_INVALID');
    expect(codeOf(() => Identity.fromFileText(JSON.stringify({ ...file, version: 2 })))).toBe('IDENTITY_INVALID');
    expect(codeOf(() => Identity.fromFileText(JSON.stringify({ ...file, id: Identity.generate().id })))).toBe('IDENTITY_INVALID');
    expect(codeOf(() => Identity.fromFileText(JSON.stringify({ ...file, publicKey: toHex(Identity.generate().publicKey) })))).toBe('IDENTITY_INVALID');
    expect(codeOf(() => Identity.fromFileText(JSON.stringify({ ...file, secretKey: 'zz' })))).toBe('IDENTITY_INVALID');
    expect(String(identity)).not.toContain(toHex(identity.secretKey()));
    expect(JSON.stringify(identity)).not.toContain(toHex(identity.secretKey()));
  });

  it('saves owner-only, loads, creates when missing, and refuses a file others can read (Node); has no files in a browser build', () => {
    if (!isNode) {
      expect(codeOf(() => Identity.loadOrCreate(join(folder, 'x.key')))).toBe('IDENTITY_INVALID');
      return;
    }
    const path = join(folder, 'node.key');
    const created = Identity.loadOrCreate(path);
    if (process.platform !== 'win32') expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(Identity.loadOrCreate(path).id).toBe(created.id);
    expect(Identity.load(path).id).toBe(created.id);
    expect(codeOf(() => Identity.load(join(folder, 'missing.key')))).toBe('IDENTITY_INVALID');
    const open = join(folder, 'open.key');
    writeFileSync(open, created.toFileText());
    chmodSync(open, 0o644);
    if (process.platform !== 'win32') expect(codeOf(() => Identity.load(open))).toBe('IDENTITY_INVALID');
    created.save(path); // replacing an existing file works
    expect(Identity.load(path).id).toBe(created.id);
  });
});

describe('Protocol({ auth: true })', () => {
  it('has its own id, so plain and py2p nodes get a mismatch', () => {
    const plain = new Protocol('mesh', 'Plaintext');
    const auth = new Protocol('mesh', 'Plaintext', { auth: true });
    expect(auth.auth).toBe(true);
    expect(plain.auth).toBe(false);
    expect(auth.id).not.toBe(plain.id);
    expect(auth.equals(plain)).toBe(false);
    expect(auth.equals(new Protocol('mesh', 'Plaintext', { auth: true }))).toBe(true);
    expect(String(auth)).toContain('auth=true');
    expect(AUTH_SCHEME).toBe('auth-ed25519/1');
  });
});
