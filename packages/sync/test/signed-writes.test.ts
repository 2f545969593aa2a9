/** The pure parts of owner-signed writes: the transcript, signing, verifying, the signed layouts' parsers. */
import { describe, expect, it } from 'vitest';
import { Identity, encodeMsgpack, toHex, utf8Encode } from '@p2p/base';
import { parseSignedDeleted, parseSignedStore } from '../src/payloads';
import { checkProof, signWrite, writeTranscript, type SignedFields } from '../src/signed-writes';

const SUBNET = 'authsync1';
const owner = Identity.fromSecretKey(new Uint8Array(32).fill(1));
const other = Identity.fromSecretKey(new Uint8Array(32).fill(2));
const NOW = 1_800_000_000;
const store: SignedFields = { key: utf8Encode('k'), raw: encodeMsgpack('v'), owner: owner.id, timestamp: NOW };
const del: SignedFields = { ...store, raw: undefined };

describe('writeTranscript', () => {
  it('is the documented byte layout', () => {
    const t = writeTranscript(SUBNET, store)!;
    const expected = [
      ...utf8Encode('p2p-sync-write/1'),
      0,
      0, SUBNET.length, ...utf8Encode(SUBNET),
      0, // store
      0, 0, 0, 1, ...utf8Encode('k'),
      0, 0, 0, 2, 0xa1, 0x76,
      0, owner.id.length, ...utf8Encode(owner.id),
      ...[0, 0, 0, 0], ...[0x6b, 0x49, 0xd2, 0x00],
    ];
    expect(toHex(t)).toBe(toHex(Uint8Array.from(expected)));
    // A delete: kind 1 and an empty value.
    const d = writeTranscript(SUBNET, del)!;
    expect(d.length).toBe(t.length - 2);
    expect(d[utf8Encode('p2p-sync-write/1').length + 1 + 2 + SUBNET.length]).toBe(1);
  });

  it('changes with every signed field', () => {
    const base = toHex(writeTranscript(SUBNET, store)!);
    const variants: Array<[string, SignedFields]> = [
      ['key', { ...store, key: utf8Encode('K') }],
      ['value', { ...store, raw: encodeMsgpack('w') }],
      ['delete', del],
      ['owner', { ...store, owner: other.id }],
      ['timestamp', { ...store, timestamp: NOW + 1 }],
      // Length prefixes: moving a byte from the key into the value is another write.
      ['boundary', { ...store, key: utf8Encode('k\xa1'), raw: Uint8Array.of(0x76) }],
    ];
    for (const [, fields] of variants) expect(toHex(writeTranscript(SUBNET, fields)!)).not.toBe(base);
    expect(toHex(writeTranscript('authsync0', store)!)).not.toBe(base);
  });

  it('has no transcript for a timestamp that is not whole seconds', () => {
    expect(writeTranscript(SUBNET, { ...store, timestamp: 1.5 })).toBeUndefined();
    expect(writeTranscript(SUBNET, { ...store, timestamp: -1 })).toBeUndefined();
    expect(() => signWrite(owner, SUBNET, { ...store, timestamp: NaN })).toThrow(RangeError);
  });
});

describe('signWrite / checkProof', () => {
  it("accepts the owner's signature of exactly this write, stores and deletes alike", () => {
    expect(checkProof(SUBNET, store, signWrite(owner, SUBNET, store))).toBeUndefined();
    expect(checkProof(SUBNET, del, signWrite(owner, SUBNET, del))).toBeUndefined();
  });

  it('refuses another key, another write, another subnet, a damaged signature', () => {
    const proof = signWrite(owner, SUBNET, store);
    // Someone else's valid signature, in the owner's name: the key does not hash to the owner.
    expect(checkProof(SUBNET, store, signWrite(other, SUBNET, store))).toBe('owner');
    // The owner's real signature on another value, time, kind, or in another subnet.
    expect(checkProof(SUBNET, { ...store, raw: encodeMsgpack('forged') }, proof)).toBe('signature');
    expect(checkProof(SUBNET, { ...store, timestamp: NOW + 3000 }, proof)).toBe('signature');
    expect(checkProof(SUBNET, del, proof)).toBe('signature');
    expect(checkProof('authsync0', store, proof)).toBe('signature');
    const flipped = proof.signature.slice();
    flipped[10]! ^= 1;
    expect(checkProof(SUBNET, store, { ...proof, signature: flipped })).toBe('signature');
    expect(checkProof(SUBNET, store, { ...proof, signature: proof.signature.subarray(1) })).toBe('malformed');
    expect(checkProof(SUBNET, store, { ...proof, publicKey: new Uint8Array(31) })).toBe('malformed');
    expect(checkProof(SUBNET, { ...store, timestamp: NOW + 0.5 }, proof)).toBe('malformed');
  });
});

describe('signed layouts', () => {
  const proof = signWrite(owner, SUBNET, store);
  const packedOf = (payload: unknown[]) => encodeMsgpack([0, utf8Encode(owner.id), NOW, ...payload]);
  const parse = (payload: unknown[]) => parseSignedStore(payload, packedOf(payload));

  it('live store and delete, replay, deleted', () => {
    expect(parse([11, 'k', 'v', proof.publicKey, proof.signature])).toEqual({ kind: 'store', key: store.key, raw: store.raw, proof });
    expect(parse([11, 'k', null, proof.publicKey, proof.signature])).toEqual({ kind: 'store', key: store.key, raw: undefined, proof });
    expect(parse([11, 'k', 'v', utf8Encode(owner.id), NOW, proof.publicKey, proof.signature])).toEqual({
      kind: 'replay',
      key: store.key,
      raw: store.raw,
      owner: owner.id,
      timestamp: NOW,
      proof,
    });
    expect(parseSignedDeleted([0x2e, 'k', utf8Encode(owner.id), NOW, proof.publicKey, proof.signature])).toEqual({
      kind: 'deleted',
      key: store.key,
      owner: owner.id,
      timestamp: NOW,
      proof,
    });
  });

  it.each([
    ['the plain layout (no proof)', [11, 'k', 'v']],
    ["py2p's replay (no proof)", [11, 'k', 'v', utf8Encode(owner.id), NOW]],
    ['a short key', [11, 'k', 'v', proof.publicKey.subarray(1), proof.signature]],
    ['a short signature', [11, 'k', 'v', proof.publicKey, proof.signature.subarray(1)]],
    ['a str signature', [11, 'k', 'v', proof.publicKey, 'x'.repeat(64)]],
    ['a replay without a value', [11, 'k', null, utf8Encode(owner.id), NOW, proof.publicKey, proof.signature]],
    ['a replay with a bad owner', [11, 'k', 'v', 'not base58 0OIl', NOW, proof.publicKey, proof.signature]],
  ])('malformed: %s', (_name, payload) => {
    expect(parse(payload as unknown[]).kind).toBe('malformed');
  });

  it('malformed deleted: the plain layout, bad fields', () => {
    expect(parseSignedDeleted([0x2e, 'k', utf8Encode(owner.id), NOW]).kind).toBe('malformed');
    expect(parseSignedDeleted([0x2e, 'k', utf8Encode(owner.id), 'now', proof.publicKey, proof.signature]).kind).toBe('malformed');
    expect(parseSignedDeleted([0x2e, 'k', utf8Encode(owner.id), NOW, proof.signature, proof.publicKey]).kind).toBe('malformed');
  });
});
