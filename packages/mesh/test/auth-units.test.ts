/** The pure parts of authenticated subnets: the message envelope and the handshake transcript. */
import { describe, expect, it } from 'vitest';
import { Identity, MainFlags, Protocol, SubFlags, decodeFrameBody, frameFromPacked, packPacket, sha256, toHex, utf8Encode } from '@p2p/base';
import { AUTH_SUBFLAG, checkClaim, makeProof, parseAuthMessage, proofTranscript, verifyProof, type ProofFacts } from '../src/auth-handshake';
import { ENVELOPE_BYTES, MessageSigner, MessageVerifier, signerKey, signingScope } from '../src/message-signing';
import { handshakeFields } from '../src/payloads';

const alice = Identity.fromSecretKey(new Uint8Array(32));
const bob = Identity.fromSecretKey(new Uint8Array(32).fill(1));

/** What a receiver decodes from packed bytes. */
const wireOf = (packed: Uint8Array) => decodeFrameBody(frameFromPacked(packed, sha256(packed)).subarray(4));

describe('message signatures', () => {
  const signer = new MessageSigner(alice, 'subnet');
  const verifier = new MessageVerifier('subnet');
  const fields = { type: MainFlags.broadcast, sender: alice.id, time: 1_700_000_000, payload: [SubFlags.broadcast, 'hi', new Uint8Array([1, 2])] };

  it('appends the key and signature to exactly the plain packet bytes', () => {
    const plain = packPacket(fields).packed;
    const { packed, id } = signer.pack(fields);
    expect(packed.length).toBe(plain.length + ENVELOPE_BYTES);
    expect(packed[0]).toBe(plain[0]! + 2); // fixarray of 6 + 2
    expect(toHex(packed.subarray(1, plain.length))).toBe(toHex(plain.subarray(1)));
    expect(toHex(packed.subarray(plain.length, plain.length + 2))).toBe('c420');
    expect(toHex(packed.subarray(plain.length + 34, plain.length + 36))).toBe('c440');
    expect(toHex(id)).toBe(toHex(sha256(packed)));
    // Ed25519 is deterministic: the same message, the same bytes.
    expect(toHex(signer.pack(fields).packed)).toBe(toHex(packed));
  });

  it('verifies, and hands on the payload without the envelope (packed and id unchanged)', () => {
    const { packed } = signer.pack(fields);
    const wire = wireOf(packed);
    const opened = verifier.open(wire);
    expect(typeof opened).toBe('object');
    if (typeof opened === 'string') return;
    expect(opened.payload).toEqual(fields.payload);
    expect(opened.packed).toBe(wire.packed);
    expect(toHex(signerKey(wire))).toBe(toHex(alice.publicKey));
  });

  it('signs the exact bytes: every single-byte change is refused', () => {
    const { packed } = signer.pack(fields);
    const headerAndFields = packed.length - ENVELOPE_BYTES;
    for (let i = 1; i < packed.length; i++) {
      const changed = Uint8Array.from(packed);
      changed[i] = changed[i]! ^ 0x01;
      let wire;
      try {
        wire = wireOf(changed);
      } catch {
        continue; // no longer msgpack: the frame decoder refuses it first
      }
      const verdict = verifier.open(wire);
      expect(typeof verdict, `byte ${i} of ${packed.length} (fields end at ${headerAndFields})`).toBe('string');
    }
  });

  it('refuses a missing signature, another subnet, a forged sender, a longer array header', () => {
    expect(verifier.open(wireOf(packPacket(fields).packed))).toBe('missing');
    expect(new MessageVerifier('other').open(wireOf(signer.pack(fields).packed))).toBe('signature');
    expect(verifier.open(wireOf(signer.pack({ ...fields, sender: bob.id }).packed))).toBe('sender');
    const { packed } = signer.pack(fields);
    const long = new Uint8Array(packed.length + 2);
    long.set([0xdc, 0x00, packed[0]! & 0x0f], 0);
    long.set(packed.subarray(1), 3);
    expect(verifier.open(wireOf(long))).toBe('signature');
  });

  it('leaves the mesh handshake unsigned and byte-identical to the plain one; signs everything else on its sub-flag', () => {
    const hs = { type: MainFlags.whisper, sender: alice.id, time: 5, payload: [SubFlags.handshake, ...handshakeFields(alice.id, 'pid', ['127.0.0.1', 1], [0x20])] };
    expect(toHex(signer.pack(hs).packed)).toBe(toHex(packPacket(hs).packed));
    expect(verifier.open(wireOf(packPacket(hs).packed))).toMatchObject({ payload: hs.payload });
    // Chord's meta shares the sub-flag with 2 fields: signed.
    const meta = { type: MainFlags.whisper, sender: alice.id, time: 5, payload: [SubFlags.handshake, 'x', 1] };
    expect(signer.pack(meta).packed.length).toBe(packPacket(meta).packed.length + ENVELOPE_BYTES);
    expect(verifier.open(wireOf(packPacket(meta).packed))).toBe('missing');
  });

  it('matches the worked example of the protocol description (11.4, 11.3)', () => {
    const mesh = new MessageSigner(alice, 'mesh');
    const { packed, id } = mesh.pack({ type: MainFlags.broadcast, sender: alice.id, time: 1_700_000_000, payload: [SubFlags.broadcast, 'hi'] });
    expect(packed.length).toBe(179);
    expect(toHex(packed.subarray(0, 2))).toBe('9700');
    expect(toHex(packed.subarray(-66))).toBe(
      'c440' + '7a21d5c35ede8786158176b24e5fff4942de252caa8aa35ee0850fe83fad3d47' + '51afc2fb8405710ba2f98e3973a606b2a2c2849922cee0b32cfef124a443f00b',
    );
    expect(toHex(id)).toBe('eecbcb7d12ffe79c5bcda4aaa43b5762ade42ca997c34c077229b86dd78417b7');
    expect(bob.id).toBe('9DDfeYEZ89AiPfLC8u31jraQVgwS4zK4eh8HixxBbJ2aezTDaWUmmVuqFRWdeyM2Bm');
    const proof = makeProof(alice, {
      protocolId: new Protocol('mesh', 'Plaintext', { auth: true }).id,
      signerId: alice.id,
      verifierId: bob.id,
      signerNonce: new Uint8Array(32).fill(0xaa),
      verifierNonce: new Uint8Array(32).fill(0xbb),
    });
    expect(toHex(proof)).toBe('3febde93abe4c4550a0aed19034e39de253f175d96deccd4b412233e66035ed5' + '28d4879574ea7aabf7f9b274647e3b5f9bd9945e07f3c62af795fe0b9c826d0f');
  });

  it('scopes signatures by domain and subnet, length-prefixed', () => {
    expect(toHex(signingScope('ab'))).toBe(toHex(new Uint8Array([...utf8Encode('p2p-auth-message/1'), 0, 0, 0, 0, 2, 0x61, 0x62])));
  });
});

describe('handshake proof', () => {
  const facts: ProofFacts = {
    protocolId: 'pid',
    signerId: alice.id,
    verifierId: bob.id,
    signerNonce: new Uint8Array(32).fill(0xaa),
    verifierNonce: new Uint8Array(32).fill(0xbb),
  };

  it('has the documented transcript layout', () => {
    const t = proofTranscript(facts);
    const domain = utf8Encode('p2p-auth-handshake/1');
    expect(toHex(t.subarray(0, domain.length + 1))).toBe(toHex(new Uint8Array([...domain, 0])));
    expect(toHex(t.subarray(domain.length + 1, domain.length + 6))).toBe(toHex(new Uint8Array([0, 3, ...utf8Encode('pid')])));
    expect(t.length).toBe(domain.length + 1 + 5 + 2 + alice.id.length + 2 + bob.id.length + 64);
    expect(toHex(t.subarray(-64))).toBe('aa'.repeat(32) + 'bb'.repeat(32));
  });

  it('verifies for its own connection only: another nonce, id or protocol fails', () => {
    const proof = makeProof(alice, facts);
    expect(verifyProof(alice.publicKey, facts, proof)).toBe(true);
    expect(verifyProof(alice.publicKey, { ...facts, verifierNonce: new Uint8Array(32) }, proof)).toBe(false);
    expect(verifyProof(alice.publicKey, { ...facts, signerNonce: new Uint8Array(32) }, proof)).toBe(false);
    expect(verifyProof(alice.publicKey, { ...facts, verifierId: alice.id }, proof)).toBe(false);
    expect(verifyProof(alice.publicKey, { ...facts, protocolId: 'other' }, proof)).toBe(false);
    expect(verifyProof(bob.publicKey, facts, proof)).toBe(false);
  });

  it('parses hello and proof strictly', () => {
    expect(parseAuthMessage([AUTH_SUBFLAG, 0, new Uint8Array(32)])).toMatchObject({ kind: 'hello' });
    expect(parseAuthMessage([AUTH_SUBFLAG, 1, new Uint8Array(64)])).toMatchObject({ kind: 'proof' });
    for (const bad of [[AUTH_SUBFLAG, 0, new Uint8Array(31)], [AUTH_SUBFLAG, 1, new Uint8Array(32)], [AUTH_SUBFLAG, 2, new Uint8Array(32)], [AUTH_SUBFLAG, 0, 'x'.repeat(32)], [AUTH_SUBFLAG, 0]]) {
      expect(parseAuthMessage(bad)).toBeUndefined();
    }
  });

  it('checks a claim against the key and the transport key', () => {
    expect(checkClaim(alice.id, alice.publicKey, undefined)).toBeUndefined();
    expect(checkClaim(alice.id, alice.publicKey, alice.publicKey)).toBeUndefined();
    expect(checkClaim(bob.id, alice.publicKey, undefined)).toBe('id');
    expect(checkClaim(alice.id, alice.publicKey, bob.publicKey)).toBe('transport_key');
  });
});
