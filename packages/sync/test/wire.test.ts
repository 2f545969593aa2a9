/**
 * Byte layouts against py2p's recorded traffic (tooling/testnet/vectors/traffic-sync.json), and bad input from a
 * hand-driven TCP peer speaking the mesh handshake.
 */
import { describe, expect, it } from 'vitest';
import {
  MainFlags,
  MsgpackFloat,
  SubFlags,
  concatBytes,
  decodeArrayWithRaw,
  decodeFrame,
  fromHex,
  toHex,
  utf8Decode,
  utf8Encode,
  type WireMessage,
} from '@p2p/base';
import { eventually, waitFor } from '@p2p/testnet';
import { fixture, nextError, nextWire, RAW_ID, RawPeer, syncNode, testClock, text, track } from './helpers';

const traffic = fixture('traffic-sync.json');
type Row = { dir?: string; note?: string; frame: string; packets: any[] };
const rows: Row[] = traffic.log.filter((r: Row) => r.dir !== undefined);
const recorded = (dir: string, sub: number, flag: number) =>
  rows.filter((r) => r.dir === dir && r.packets[3] === sub && r.packets[0] === flag);
const decodeRecorded = (row: Row): WireMessage => decodeFrame(fromHex(row.frame), { candidates: [null, 0x20, 0x13, 0x11] });
/** The msgpack bytes of a message's payload elements (sub-flag onwards). */
const payloadBytes = (packed: Uint8Array, from = 0, to?: number) => concatBytes(...decodeArrayWithRaw(packed).raw.slice(3 + from, to === undefined ? undefined : 3 + to));

describe('wire layouts (py2p traffic-sync.json)', () => {
  it('our set, delete, join replay and delta match py2p byte for byte; py2p frames apply here', async () => {
    const A = traffic.A.id as string;
    const B = traffic.B.id as string;
    // py2p's clock at recording time, so its frames are inside the 60 s broadcast window.
    const clock = testClock();
    clock.freeze(1795423408 * 1000);
    const node = await syncNode({ clock });
    node.set('early', 'set before B connected');

    // B's recorded handshake (sync1 protocol id): we answer with peers and replay 'early'.
    const raw = track(await RawPeer.connect(node.outAddr[1], { id: B }));
    await nextWire(raw, (f) => f.payload[0] === SubFlags.handshake);
    const [bHandshake] = recorded('B->A', SubFlags.handshake, MainFlags.whisper);
    raw.write(fromHex(bHandshake!.frame));
    const replay = await nextWire(raw, (f) => f.payload[0] === SubFlags.store);
    const [pyReplay] = recorded('A->B', SubFlags.store, MainFlags.whisper).map(decodeRecorded);
    expect(replay.type).toBe(MainFlags.whisper);
    expect(replay.payload).toHaveLength(5);
    // [11, key bin, value] identical bytes; then owner as bin of our id and the time as int.
    expect(toHex(payloadBytes(replay.packed, 0, 3))).toBe(toHex(payloadBytes(pyReplay!.packed, 0, 3)));
    expect(replay.payload[3]).toEqual(utf8Encode(node.id));
    expect(pyReplay!.payload[3]).toEqual(utf8Encode(A));
    expect(replay.payload[4]).toBe(1795423408);
    expect(typeof pyReplay!.payload[4]).toBe('number');
    await waitFor(() => node.peers.has(B));

    // A: set("k", b"bytes value") and del k: broadcast / store, byte-identical payloads.
    const [pySet, pyDel] = recorded('A->B', SubFlags.store, MainFlags.broadcast).map(decodeRecorded);
    node.set('k', utf8Encode('bytes value'));
    const set = await nextWire(raw, (f) => f.payload[0] === SubFlags.store);
    expect(set.type).toBe(MainFlags.broadcast);
    expect(set.sender).toBe(node.id);
    expect(toHex(payloadBytes(set.packed))).toBe(toHex(payloadBytes(pySet!.packed)));
    node.delete('k');
    const del = await nextWire(raw, (f) => f.payload[0] === SubFlags.store);
    expect(toHex(payloadBytes(del.packed))).toBe(toHex(payloadBytes(pyDel!.packed)));
    expect(del.payload[2]).toBeNull();

    // B's delta layout: ours is the same bytes.
    const [deltaRow] = recorded('B->A', SubFlags.delta, MainFlags.broadcast);
    node.applyDelta('d', { x: 1 });
    const delta = await nextWire(raw, (f) => f.payload[0] === SubFlags.delta);
    expect(delta.type).toBe(MainFlags.broadcast);
    expect(toHex(payloadBytes(delta.packed))).toBe(toHex(payloadBytes(decodeRecorded(deltaRow!).packed)));

    // py2p's own frames: B: set("s", "str value") then apply_delta("d", {"x": 1}).
    const [bSet] = recorded('B->A', SubFlags.store, MainFlags.broadcast);
    raw.write(fromHex(bSet!.frame));
    raw.write(fromHex(deltaRow!.frame));
    await waitFor(() => node.has('s'));
    expect(node.get('s')).toBe('str value');
    expect(node.getMeta('s')).toEqual({ owner: B, timestamp: 1795423408 });
    await eventually(() => expect(node.get('d')).toEqual({ x: 1 }));
    expect(node.status).toBe('Nominal');
    expect(traffic.py2p_status_after).toEqual(['Nominal', 'Nominal']);
  });
});

describe('bad input from a peer', () => {
  async function setup() {
    const node = await syncNode();
    const good = await syncNode({ clock: testClock(2000) });
    await good.connect(...node.outAddr);
    node.set('keep', 'intact');
    await waitFor(() => good.has('keep'));
    return { node, good };
  }
  const k = utf8Encode('k');

  it.each([
    ['key not bin/str', [SubFlags.store, 42, 'v']],
    ['too short', [SubFlags.store, k]],
    ['owner not an id', [SubFlags.store, k, 'v', utf8Encode('not an id 0OIl'), 1]],
    ['owner an int', [SubFlags.store, k, 'v', 7, 1]],
    ['timestamp not a number', [SubFlags.store, k, 'v', utf8Encode(RAW_ID), 'yesterday']],
    ['replay without a value', [SubFlags.store, k, null, utf8Encode(RAW_ID), 1]],
  ])('malformed store (%s) drops that connection with BAD_MESSAGE; data and peers intact', async (_name, payload) => {
    const { node, good } = await setup();
    const raw = track(await RawPeer.handshake(node));
    await waitFor(() => node.peers.has(RAW_ID));
    const error = nextError(node, 'BAD_MESSAGE');
    raw.sendPayload(MainFlags.whisper, payload as unknown[]);
    expect((await error).message).toMatch(/malformed store/);
    await raw.closed;
    await waitFor(() => !node.peers.has(RAW_ID));
    expect(node.get('keep')).toBe('intact');
    expect(node.size).toBe(1);
    good.set('after', 1);
    await waitFor(() => node.get('after') === 1);
    node.set('back', 2);
    await waitFor(() => good.get('back') === 2);
  });

  it('a malformed broadcast store it originated also drops it; one it only relays does not', async () => {
    const { node } = await setup();
    const raw = track(await RawPeer.handshake(node));
    // Relayed (another originator): reported, connection kept.
    const relayed = nextError(node, 'BAD_MESSAGE');
    raw.send({ type: MainFlags.broadcast, sender: traffic.A.id, time: Math.floor(Date.now() / 1000), payload: [SubFlags.store, 1, 'v'] });
    await relayed;
    raw.sendPayload(MainFlags.broadcast, [SubFlags.store, k, 'still connected']);
    await waitFor(() => node.get('k') === 'still connected');
    // Originated by the peer itself: dropped.
    const own = nextError(node, 'BAD_MESSAGE');
    raw.sendPayload(MainFlags.broadcast, [SubFlags.store, 1, 'v']);
    await own;
    await raw.closed;
    expect(node.get('keep')).toBe('intact');
  });

  it('remote delete of an unknown key is a no-op; bad deltas are reported and ignored (F10)', async () => {
    const { node } = await setup();
    const raw = track(await RawPeer.handshake(node));
    const errors: string[] = [];
    node.on('error', (e) => errors.push(e.code));
    raw.sendPayload(MainFlags.broadcast, [SubFlags.store, utf8Encode('never-held'), null]);
    raw.sendPayload(MainFlags.broadcast, [SubFlags.store, k, 5]);
    await waitFor(() => node.get('k') === 5);
    expect(errors).toEqual([]);

    const notAMap = nextError(node, 'BAD_MESSAGE');
    raw.sendPayload(MainFlags.broadcast, [SubFlags.delta, k, 'not a map']);
    await notAMap;
    const ontoNonMap = nextError(node, 'NOT_A_MAPPING');
    raw.sendPayload(MainFlags.broadcast, [SubFlags.delta, k, { x: 1 }]);
    await ontoNonMap;
    expect(node.get('k')).toBe(5);
    // A delta for a key leased to another node is ignored silently, as py2p.
    // (2 s ahead: a same-second write from a smaller id would win the tie, rule 5.)
    raw.sendPayload(MainFlags.broadcast, [SubFlags.delta, utf8Encode('keep'), { x: 1 }], Math.floor(Date.now() / 1000) + 2);
    raw.sendPayload(MainFlags.broadcast, [SubFlags.delta, utf8Encode('m'), { y: 2 }]);
    await waitFor(() => node.has('m'));
    expect(node.get('m')).toEqual({ y: 2 });
    expect(node.get('keep')).toBe('intact');
    expect(node.peers.has(RAW_ID)).toBe(true);
    expect(errors).toEqual(['BAD_MESSAGE', 'NOT_A_MAPPING']);
  });

  it('replayed values keep their exact msgpack (a Python 2.0 stays a float) and are passed on', async () => {
    const { node, good } = await setup();
    const raw = track(await RawPeer.handshake(node));
    raw.sendPayload(MainFlags.whisper, [SubFlags.store, utf8Encode('f'), new MsgpackFloat(2), utf8Encode(RAW_ID), 1795423408]);
    await waitFor(() => node.has('f') && good.has('f'));
    expect(good.getMeta('f')).toEqual({ owner: RAW_ID, timestamp: 1795423408 });
    const second = track(await RawPeer.connect(node.outAddr[1], { id: traffic.A.id }));
    await nextWire(second, (f) => f.payload[0] === SubFlags.handshake);
    second.sendPayload(MainFlags.whisper, [SubFlags.handshake, utf8Encode(traffic.A.id), node.protocol.idBytes(), ['127.0.0.1', 1], []]);
    const replays: WireMessage[] = [];
    while (replays.length < 2) {
      const f = await nextWire(second, (f) => f.payload[0] === SubFlags.store);
      replays.push(f);
    }
    const f = replays.find((r) => text(r.payload[1] as Uint8Array) === 'f')!;
    expect(toHex(decodeArrayWithRaw(f.packed).raw[5]!)).toBe('cb4000000000000000');
    expect(utf8Decode(f.payload[3] as Uint8Array)).toBe(RAW_ID);
  });
});
