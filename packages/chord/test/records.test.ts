import { describe, expect, it } from 'vitest';
import { Identity, Protocol, concatBytes, encodeMsgpack, sha384, toHex, utf8Encode } from '@p2p/base';
import { HASH_METHODS, getHashes } from '../src/hashing';
import {
  MAX_RECORD_NAME_BYTES,
  RECORD_OVERHEAD_BYTES,
  RECORD_SIGNATURE_DOMAIN,
  RECORD_TAG,
  checkRecord,
  encodeEnvelope,
  encodeRecord,
  isRecordKey,
  looksLikeRecord,
  ownerDigest,
  parseRecord,
  recordAt,
  recordLocationKey,
  recordSlots,
  signingTranscript,
  verifyRecord,
} from '../src/records';

const subnet = new Protocol('chord', 'Plaintext', { auth: true }).subnet;
const owner = Identity.fromSecretKey(new Uint8Array(32).fill(7));
const other = Identity.fromSecretKey(new Uint8Array(32).fill(9));
const name = utf8Encode('profile');
const valueRaw = encodeMsgpack({ text: 'hello' }).slice();

describe('record codec (records.ts)', () => {
  it('round-trips: encode, parse, verify', () => {
    const raw = encodeRecord(owner, subnet, name, 3, valueRaw);
    expect(looksLikeRecord(raw)).toBe(true);
    const record = parseRecord(raw)!;
    expect(record.seq).toBe(3);
    expect(record.value).toEqual({ text: 'hello' });
    expect(toHex(record.valueRaw)).toBe(toHex(valueRaw));
    expect(toHex(record.publicKey)).toBe(toHex(owner.publicKey));
    expect(toHex(record.name)).toBe(toHex(name));
    expect(record.owner).toBe(owner.id);
    expect(toHex(record.ownerDigest)).toBe(toHex(sha384(owner.publicKey)));
    expect(verifyRecord(record, subnet)).toBe(true);
    // The envelope never needs more than its overhead besides value and name.
    expect(raw.length).toBeLessThanOrEqual(valueRaw.length + name.length + RECORD_OVERHEAD_BYTES);
  });

  it('the envelope is the documented msgpack array, byte for byte', () => {
    const raw = encodeRecord(owner, subnet, name, 1, valueRaw);
    const signature = parseRecord(raw)!.signature;
    const expected = concatBytes(
      new Uint8Array([0x96]),
      encodeMsgpack(RECORD_TAG),
      encodeMsgpack(owner.publicKey),
      encodeMsgpack(name),
      encodeMsgpack(1),
      valueRaw,
      encodeMsgpack(signature),
    );
    expect(toHex(raw)).toBe(toHex(expected));
  });

  it('the transcript is domain, subnet, name, seq and the exact value bytes, length-prefixed', () => {
    const t = signingTranscript('P', utf8Encode('n'), 258, new Uint8Array([0xc3]));
    const domain = utf8Encode(RECORD_SIGNATURE_DOMAIN);
    const expected = concatBytes(domain, new Uint8Array([0, 0, 1, 0x50, 0, 0, 0, 1, 0x6e, 0, 0, 0, 0, 0, 0, 1, 2, 0, 0, 0, 1, 0xc3]));
    expect(toHex(t)).toBe(toHex(expected));
    // Moving bytes between name and value changes the transcript.
    expect(toHex(signingTranscript('P', utf8Encode('ab'), 1, utf8Encode('c')))).not.toBe(toHex(signingTranscript('P', utf8Encode('a'), 1, utf8Encode('bc'))));
  });

  it('verification fails for one changed value byte, another seq, name or subnet, and another signer', () => {
    const raw = encodeRecord(owner, subnet, name, 5, valueRaw);
    const record = parseRecord(raw)!;
    const flipped = valueRaw.slice();
    flipped[flipped.length - 1]! ^= 0x01;
    expect(verifyRecord(parseRecord(encodeEnvelope(owner.publicKey, name, 5, flipped, record.signature))!, subnet)).toBe(false);
    expect(verifyRecord(parseRecord(encodeEnvelope(owner.publicKey, name, 6, valueRaw, record.signature))!, subnet)).toBe(false);
    expect(verifyRecord(parseRecord(encodeEnvelope(owner.publicKey, utf8Encode('x'), 5, valueRaw, record.signature))!, subnet)).toBe(false);
    expect(verifyRecord(record, 'another subnet')).toBe(false);
    // The encryption is not part of it: a record crosses transports.
    expect(verifyRecord(record, new Protocol('chord', 'SSL', { auth: true }).subnet)).toBe(true);
    // A non-owner's signature under the owner's key.
    const forged = encodeEnvelope(owner.publicKey, name, 5, valueRaw, other.sign(signingTranscript(subnet, name, 5, valueRaw)));
    expect(verifyRecord(parseRecord(forged)!, subnet)).toBe(false);
  });

  it('parsing refuses anything but the exact shape', () => {
    const sig = new Uint8Array(64);
    const good = encodeEnvelope(owner.publicKey, name, 1, valueRaw, sig);
    expect(parseRecord(good)).toBeDefined();
    const bad = [
      encodeMsgpack([RECORD_TAG, owner.publicKey, name, 1, 0, sig, 0]),
      encodeMsgpack(['p2p/chord-record/2', owner.publicKey, name, 1, 0, sig]),
      encodeMsgpack([RECORD_TAG, owner.publicKey.subarray(1), name, 1, 0, sig]),
      encodeMsgpack([RECORD_TAG, owner.publicKey, 'profile', 1, 0, sig]),
      encodeMsgpack([RECORD_TAG, owner.publicKey, new Uint8Array(MAX_RECORD_NAME_BYTES + 1), 1, 0, sig]),
      encodeMsgpack([RECORD_TAG, owner.publicKey, name, -1, 0, sig]),
      encodeMsgpack([RECORD_TAG, owner.publicKey, name, 1.5, 0, sig]),
      encodeMsgpack([RECORD_TAG, owner.publicKey, name, 2n ** 60n, 0, sig]),
      encodeMsgpack([RECORD_TAG, owner.publicKey, name, 1, 0, sig.subarray(1)]),
      good.subarray(0, good.length - 1),
      concatBytes(good, new Uint8Array([0])),
    ];
    for (const raw of bad) expect(parseRecord(raw)).toBeUndefined();
    expect(looksLikeRecord(encodeMsgpack(['hello', 1]))).toBe(false);
    expect(looksLikeRecord(encodeMsgpack(RECORD_TAG))).toBe(false);
  });
});

describe('record location (records.ts)', () => {
  it('is the five hashes of tag, 0, sha384(public key), name; an id and its key give the same digest', () => {
    const digest = ownerDigest(owner.publicKey)!;
    expect(toHex(ownerDigest(owner.id)!)).toBe(toHex(digest));
    const key = recordLocationKey(digest, name);
    expect(toHex(key)).toBe(toHex(concatBytes(utf8Encode(RECORD_TAG), new Uint8Array([0]), sha384(owner.publicKey), name)));
    expect(recordSlots(digest, name)).toEqual(getHashes(key));
    expect(isRecordKey(key)).toBe(true);
    expect(isRecordKey(utf8Encode('profile'))).toBe(false);
  });

  it('recordAt: a record sits at its own five slots only', () => {
    const record = parseRecord(encodeRecord(owner, subnet, name, 1, valueRaw))!;
    const mine = recordSlots(record.ownerDigest, name);
    const theirs = recordSlots(ownerDigest(other.publicKey)!, name);
    HASH_METHODS.forEach((method, i) => {
      expect(recordAt(record, method, mine[i]!)).toBe(true);
      expect(recordAt(record, method, theirs[i]!)).toBe(false);
      expect(recordAt(record, HASH_METHODS[(i + 1) % 5]!, mine[i]!)).toBe(false);
    });
  });

  it('ownerDigest refuses what is not an id or a 32-byte key', () => {
    for (const bad of ['', '0OIl', 'x'.repeat(129), new Uint8Array(31), new Uint8Array(33)]) expect(ownerDigest(bad)).toBeUndefined();
    // An integer above 2^384 does not fit a digest.
    expect(ownerDigest('z'.repeat(80))).toBeUndefined();
  });

  it('checkRecord: plain, a verified record, or why it is invalid', () => {
    const raw = encodeRecord(owner, subnet, name, 1, valueRaw);
    const slots = recordSlots(ownerDigest(owner.id)!, name);
    expect(checkRecord(encodeMsgpack('plain').slice(), subnet).kind).toBe('plain');
    expect(checkRecord(raw, subnet, { method: 'sha256', k: slots[2]! }).kind).toBe('record');
    expect(checkRecord(raw, subnet, { method: 'sha256', k: slots[3]! })).toEqual({ kind: 'invalid', reason: 'location' });
    expect(checkRecord(raw, 'another subnet', { method: 'sha256', k: slots[2]! })).toEqual({ kind: 'invalid', reason: 'signature' });
    expect(checkRecord(concatBytes(raw, new Uint8Array([1])), subnet)).toEqual({ kind: 'invalid', reason: 'malformed' });
    // A non-owner signing its own record for the owner's slots: the location gives it away.
    const squat = encodeRecord(other, subnet, name, 99, valueRaw);
    expect(checkRecord(squat, subnet, { method: 'sha1', k: slots[0]! })).toEqual({ kind: 'invalid', reason: 'location' });
  });
});
