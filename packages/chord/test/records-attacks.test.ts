/**
 * Attacks on signed records over real TCP, each by a hostile node of the authenticated subnet
 * with its own valid identity (its handshake and message signatures pass; only its chord
 * payloads lie): each is refused with a typed error, counted, and the honest nodes keep the
 * owner's record, keep working, and a third node still reads everything.
 */
import { describe, expect, it } from 'vitest';
import { base58EncodeInt as base58, encodeMsgpack, utf8Encode, type P2PError } from '@p2p/base';
import { eventually } from '@p2p/testnet';
import { HASH_METHODS, type ChordSocket } from '@p2p/chord';
import { RECORD_TAG, encodeEnvelope, encodeRecord, ownerDigest, parseRecord, recordLocationKey, recordSlots, signingTranscript } from '../src/records';
import { ring } from './helpers';
import { AUTH, errorsOf, hostileOf, identityWithShare, meshSignatureFailures, refusedOn, responsible, type HostileNode } from './records-helpers';

const NAME = utf8Encode('profile');

/** Three honest nodes, `a` the owner of record "profile" at seq 1, read back by `c`; and a hostile node linked to all. */
async function scene(storingHostile = false): Promise<{ nodes: ChordSocket[]; a: ChordSocket; b: ChordSocket; c: ChordSocket; hostile: HostileNode; slots: bigint[]; errors: P2PError[] }> {
  const nodes = await ring(3, { protocol: AUTH });
  const [a, b, c] = nodes as [ChordSocket, ChordSocket, ChordSocket];
  const hostile = await hostileOf(nodes, storingHostile);
  expect(await a.records.put(NAME, { text: 'v1' })).toEqual({ seq: 1 });
  await eventually(async () => expect((await c.records.get(a.id, NAME, { timeout: 3000 })).seq).toBe(1));
  return { nodes, a, b, c, hostile, slots: recordSlots(ownerDigest(a.id)!, NAME), errors: errorsOf(nodes) };
}

/** Every honest node reads `owner`'s record at `seq` with `value`. */
async function allRead(nodes: readonly ChordSocket[], owner: ChordSocket, seq: number, value: unknown): Promise<void> {
  for (const n of nodes) await eventually(async () => expect(await n.records.get(owner.id, NAME, { timeout: 3000 })).toMatchObject({ seq, value }));
}

/** The honest network still works: the owner writes the next seq and the third node reads it. */
async function stillWorks(nodes: readonly ChordSocket[], owner: ChordSocket, reader: ChordSocket, seq: number): Promise<void> {
  expect(await owner.records.put(NAME, { text: `after ${seq}` })).toEqual({ seq });
  await eventually(async () => expect(await reader.records.get(owner.id, NAME, { timeout: 3000 })).toMatchObject({ seq, value: { text: `after ${seq}` } }));
  reader.set('plain after the attack', seq);
  await reader.get('plain after the attack');
  for (const n of nodes) expect(await n.get('plain after the attack')).toBe(seq);
  // Every message, the hostile node's included, passed mesh's signature checks: the lies were in chord's payloads.
  expect(meshSignatureFailures(nodes)).toBe(0);
}

const codes = (errors: readonly P2PError[]) => errors.map((e) => `${e.code}:${String(e.details?.['reason'])}`);

describe('signed records under attack (authenticated subnet, TCP)', () => {
  it('a non-owner with its own valid identity cannot overwrite the record: SIGNATURE_INVALID, counted, the hostile link dropped', async () => {
    const { nodes, a, c, hostile, slots, errors } = await scene();
    // Its own record, under its own key, sent to the owner's slots: the location gives it away.
    const own = encodeRecord(hostile.identity!, AUTH.subnet, NAME, 99, encodeMsgpack('evil').slice());
    const victim = responsible(nodes, slots[0]!);
    hostile.sendStore(hostile.link(victim), 'sha1', slots[0]!, own);
    // The owner's key with the hostile's signature: the signature gives it away.
    const valueRaw = encodeMsgpack('evil').slice();
    const stolenKey = encodeEnvelope(a.identity!.publicKey, NAME, 99, valueRaw, hostile.identity!.sign(signingTranscript(AUTH.subnet, NAME, 99, valueRaw)));
    // Sent to another honest node: checked on receipt, whether it is responsible or would forward.
    const other = nodes.find((n) => n.id !== victim)!.id;
    hostile.sendStore(hostile.link(other), 'sha224', slots[1]!, stolenKey);

    await eventually(() => {
      expect(refusedOn(nodes, { reason: 'location', via: 'store' })).toBe(1);
      expect(refusedOn(nodes, { reason: 'signature', via: 'store' })).toBe(1);
    });
    expect(codes(errors)).toEqual(expect.arrayContaining(['SIGNATURE_INVALID:location', 'SIGNATURE_INVALID:signature']));
    // Honest nodes check records before sending them on: only the hostile neighbour is dropped.
    await eventually(() => expect(hostile.peers.has(victim) || hostile.peers.has(other)).toBe(false));
    // The honest nodes keep their links to each other.
    for (const n of nodes) expect(nodes.every((m) => m === n || n.peers.has(m.id))).toBe(true);
    await allRead(nodes, a, 1, { text: 'v1' });
    await stillWorks(nodes, a, c, 2);
  });

  it('unsigned writes (a plain value, a delete, a delta) to the record slots are refused: SIGNATURE_INVALID, counted', async () => {
    const { nodes, a, c, hostile, slots, errors } = await scene();
    HASH_METHODS.forEach((method, i) => {
      const conn = hostile.link(responsible(nodes, slots[i]!));
      hostile.sendStore(conn, method, slots[i]!, encodeMsgpack({ text: 'unsigned' }).slice());
      hostile.sendStore(conn, method, slots[i]!, null);
      hostile.sendDelta(conn, method, slots[i]!, { text: 'merged' });
    });
    await eventually(() => expect(refusedOn(nodes, { reason: 'unsigned', via: 'store' })).toBe(15));
    expect(new Set(codes(errors))).toEqual(new Set(['SIGNATURE_INVALID:unsigned']));
    // An unsigned write may have been forwarded by an honest node: the link stays.
    expect(nodes.every((n) => hostile.peers.has(n.id))).toBe(true);
    await allRead(nodes, a, 1, { text: 'v1' });
    await stillWorks(nodes, a, c, 2);
  });

  it('an old-sequence replay (captured, re-sent after the owner wrote a higher seq) is refused: RECORD_STALE, counted', async () => {
    const { nodes, a, c, hostile, slots, errors } = await scene();
    // Captured over the wire from the replicas while seq 1 was current.
    const captured = await Promise.all(HASH_METHODS.map((m, i) => hostile.capture(hostile.link(responsible(nodes, slots[i]!)), m, slots[i]!)));
    expect(captured.map((raw) => parseRecord(raw)?.seq)).toEqual([1, 1, 1, 1, 1]);
    expect(await a.records.put(NAME, { text: 'v2' })).toEqual({ seq: 2 });
    await allRead(nodes, a, 2, { text: 'v2' });

    HASH_METHODS.forEach((m, i) => hostile.sendStore(hostile.link(responsible(nodes, slots[i]!)), m, slots[i]!, captured[i]!));
    await eventually(() => expect(refusedOn(nodes, { reason: 'stale', via: 'store' })).toBe(5));
    expect(new Set(codes(errors))).toEqual(new Set(['RECORD_STALE:stale']));
    const stale = errors[0]!;
    expect(stale.details).toMatchObject({ seq: 1, heldSeq: 2, owner: a.id });
    // Re-sending the current record is a harmless duplicate: not refused, not reported.
    const current = await hostile.capture(hostile.link(responsible(nodes, slots[0]!)), 'sha1', slots[0]!);
    hostile.sendStore(hostile.link(responsible(nodes, slots[0]!)), 'sha1', slots[0]!, current);
    await allRead(nodes, a, 2, { text: 'v2' });
    expect(refusedOn(nodes)).toBe(5);
    await stillWorks(nodes, a, c, 3);
  });

  it('a forged record (one byte of the value changed, signature kept) is refused: SIGNATURE_INVALID, counted, link dropped', async () => {
    const { nodes, a, c, hostile, slots, errors } = await scene();
    const victim = responsible(nodes, slots[2]!);
    const genuine = await hostile.capture(hostile.link(victim), 'sha256', slots[2]!);
    const record = parseRecord(genuine)!;
    const valueRaw = record.valueRaw.slice();
    valueRaw[valueRaw.length - 1]! ^= 0x01;
    const forged = encodeEnvelope(record.publicKey, record.name, record.seq + 1, valueRaw, record.signature);
    hostile.sendStore(hostile.link(victim), 'sha256', slots[2]!, forged);
    await eventually(() => expect(refusedOn(nodes, { reason: 'signature', via: 'store' })).toBe(1));
    expect(codes(errors)).toEqual(['SIGNATURE_INVALID:signature']);
    await eventually(() => expect(hostile.peers.has(victim)).toBe(false));
    await allRead(nodes, a, 1, { text: 'v1' });
    await stillWorks(nodes, a, c, 2);
  });

  it('a plain value squatting a record location before its owner writes is no record: readers ignore it, the first put replaces it', async () => {
    const nodes = await ring(3, { protocol: AUTH });
    const [a, b] = nodes as [ChordSocket, ChordSocket, ChordSocket];
    const hostile = await hostileOf(nodes);
    const digest = ownerDigest(a.id)!;
    const slots = recordSlots(digest, NAME);
    HASH_METHODS.forEach((m, i) => hostile.sendStore(hostile.link(responsible(nodes, slots[i]!)), m, slots[i]!, encodeMsgpack('squat').slice()));
    // It landed: a plain read of the location sees it.
    await eventually(async () => expect(await b.get(recordLocationKey(digest, NAME), undefined, { timeout: 2000 })).toBe('squat'));
    await expect(b.records.get(a.id, NAME, { timeout: 5000 })).rejects.toMatchObject({ code: 'KEY_NOT_FOUND' });
    expect(refusedOn([b], { reason: 'unsigned', via: 'read' })).toBeGreaterThanOrEqual(5);
    expect(await a.records.put(NAME, 'mine')).toEqual({ seq: 1 });
    await allRead(nodes, a, 1, 'mine');
  });

  it("this node's own set() of a value shaped like a record at the wrong place is refused locally, never sent", async () => {
    const nodes = await ring(3, { protocol: AUTH });
    const c = nodes[2]!;
    const errors = errorsOf([c]);
    const links = c.peers.size;
    c.set('looks like a record', [RECORD_TAG, c.identity!.publicKey, NAME, 1, 'x', new Uint8Array(64)]);
    expect(refusedOn([c], { via: 'local' })).toBe(5);
    expect(new Set(codes(errors))).toEqual(new Set(['SIGNATURE_INVALID:location']));
    expect(refusedOn(nodes.slice(0, 2))).toBe(0);
    expect(c.peers.size).toBe(links);
  });

  it('a replica answering a stale or forged record does not win a read, even holding most of the slots', async () => {
    const nodes = await ring(3, { protocol: AUTH });
    const [a, b, c] = nodes as [ChordSocket, ChordSocket, ChordSocket];
    // A fair share of the ring (a quarter or more), so that names whose slots land mostly on it are common.
    const hostile = await hostileOf(nodes, true, identityWithShare(nodes, 0.25));
    // A name whose slots land mostly on the hostile replica (its answer is then the most common one), some on honest nodes.
    const held = (name: Uint8Array) => recordSlots(ownerDigest(a.id)!, name).filter((k) => responsible(nodes, k) === hostile.id).length;
    let name = NAME;
    for (let i = 0, h = held(name); i < 200_000 && !(h >= 3 && h < 5); i++, h = held(name)) name = utf8Encode(`profile ${i}`);
    const slots = recordSlots(ownerDigest(a.id)!, name);
    const mine = slots.filter((k) => responsible(nodes, k) === hostile.id).length;
    expect(mine).toBeGreaterThanOrEqual(3);
    expect(mine).toBeLessThan(5);

    expect(await a.records.put(name, 'v1')).toEqual({ seq: 1 });
    const honestSlot = HASH_METHODS.findIndex((_, i) => responsible(nodes, slots[i]!) !== hostile.id);
    const stale = await hostile.capture(hostile.link(responsible(nodes, slots[honestSlot]!)), HASH_METHODS[honestSlot]!, slots[honestSlot]!);
    expect(parseRecord(stale)!.seq).toBe(1);
    expect(await a.records.put(name, 'v2')).toEqual({ seq: 2 });
    // The hostile replica answers the captured seq 1 (valid, signed by the owner) for its slots.
    HASH_METHODS.forEach((m, i) => hostile.answers.set(`${m}|${base58(slots[i]!)}`, stale));
    const errors = errorsOf(nodes);
    for (const reader of [b, c]) {
      await eventually(async () => expect(await reader.records.get(a.id, name, { timeout: 3000 })).toMatchObject({ seq: 2, value: 'v2' }));
    }
    expect(errors).toEqual([]);

    // Now it answers a forgery (seq 3, one value byte changed): the reader drops it and still reads seq 2.
    const record = parseRecord(stale)!;
    const forgedValue = encodeMsgpack('v3').slice();
    const forged = encodeEnvelope(record.publicKey, record.name, 3, forgedValue, record.signature);
    HASH_METHODS.forEach((m, i) => hostile.answers.set(`${m}|${base58(slots[i]!)}`, forged));
    expect(await b.records.get(a.id, name, { timeout: 2000 })).toMatchObject({ seq: 2, value: 'v2' });
    expect(refusedOn([b], { reason: 'signature', via: 'answer' })).toBeGreaterThanOrEqual(1);
    expect(codes(errors)).toContain('SIGNATURE_INVALID:signature');
    await eventually(() => expect(b.peers.has(hostile.id)).toBe(false));
    // The third node still reads the newest.
    await eventually(async () => expect(await c.records.get(a.id, name, { timeout: 3000 })).toMatchObject({ seq: 2 }));
  });
});
