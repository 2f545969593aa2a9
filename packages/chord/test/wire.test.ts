import { describe, expect, it } from 'vitest';
import { base58EncodeInt, utf8Decode, utf8Encode } from '@p2p/base';
import { waitFor, type RawFrame } from '@p2p/testnet';
import { HASH_METHODS, getHashes } from '@p2p/chord';
import { fixture, node, rawHandshake, rawPeer, typed } from './helpers';

type Frame = { dir?: string; packets?: unknown[]; note?: string };
const traffic = fixture<{ log: Frame[] }>('traffic-chord.json');

/** A layout signature: each payload element's msgpack kind. */
function shape(payload: readonly unknown[]): string[] {
  return payload.map((v) =>
    v === null ? 'nil' : v instanceof Uint8Array ? 'bin' : typeof v === 'string' ? 'str' : typeof v === 'number' ? 'int' : v instanceof Map || (typeof v === 'object' && !Array.isArray(v)) ? 'map' : Array.isArray(v) ? 'arr' : typeof v,
  );
}

/** The py2p layout seen in the recorded traffic for a sub-flag and main flag. */
function py2pShape(main: number, sub: number, length?: number): string[] {
  const frame = traffic.log.find((f) => f.packets && f.packets[0] === main && f.packets[3] === sub && (length === undefined || f.packets.length - 3 === length));
  if (!frame) throw new Error(`no py2p frame ${main}/${sub}`);
  return shape((typed(frame.packets) as unknown[]).slice(3));
}

const sub = (f: RawFrame) => f.wire.payload[0];

describe('frames match py2p layouts (traffic-chord.json)', () => {
  it('meta, store, notify, retrieve/retrieved, delta, notify-delete', async () => {
    // No replica repair during this exchange: the raw peer only answers what the test scripts.
    // hedgeDelay 0: reads ask all five tables at once, as py2p, so the peer sees one retrieve per
    // table of its own (by default a read whose own tables agree asks nobody).
    const a = await node({ republishDelay: 60_000, hedgeDelay: 0 });
    a.join();
    const peer = await rawPeer(a);
    // Meta after the handshake on an accepted connection: [2, .., 5, "0"].
    await waitFor(() => peer.frames.some((f) => sub(f) === 5 && f.wire.payload.length === 2));
    const meta = peer.frames.map((f) => f.wire).find((f) => f.payload[0] === 5 && f.payload.length === 2)!;
    expect([meta.type, ...shape(meta.payload)]).toEqual([2, ...py2pShape(2, 5, 2)]);
    expect(meta.payload[1]).toBe('0');

    rawHandshake(peer, '0'); // we store too: a routes some slots to us
    await waitFor(() => a.storingPeers().length === 1);
    // A key with slots on both sides (ids are random), so both paths are exercised.
    let key = 'alpha';
    for (let i = 0; ; i++) {
      key = `alpha${i}`;
      const local = getHashes(key).filter((h) => a.find(h) === a).length;
      if (local > 0 && local < 5) break;
    }
    const before = peer.frames.length;
    a.set(key, 'value of alpha');
    const mine = HASH_METHODS.filter((_, i) => a.find(getHashes(key)[i]!) !== a);
    await waitFor(() => peer.frames.slice(before).filter((f) => sub(f) === 11).length === mine.length && peer.frames.some((f) => sub(f) === 6));
    for (const store of peer.frames.slice(before).filter((f) => sub(f) === 11).map((f) => f.wire)) {
      expect([store.type, ...shape(store.payload)]).toEqual([2, ...py2pShape(2, 11, 4)]);
      const method = utf8Decode(store.payload[1] as Uint8Array);
      const i = HASH_METHODS.indexOf(method as never);
      expect(utf8Decode(store.payload[2] as Uint8Array)).toBe(base58EncodeInt(getHashes(key)[i]!));
    }
    const notify = peer.frames.map((f) => f.wire).find((f) => f.payload[0] === 6)!;
    expect([notify.type, ...shape(notify.payload)]).toEqual([0, ...py2pShape(0, 6, 2)]);

    // retrieved echoes method and key in the type they arrived in (bin from py2p, str from js2p).
    const own = HASH_METHODS.findIndex((_, i) => a.find(getHashes(key)[i]!) === a);
    const k58 = base58EncodeInt(getHashes(key)[own]!);
    peer.sendPayload(2, [12, utf8Encode(HASH_METHODS[own]!), utf8Encode(k58)]);
    peer.sendPayload(2, [12, HASH_METHODS[own]!, k58]);
    await waitFor(() => peer.frames.filter((f) => sub(f) === 13).length === 2);
    const [asBin, asStr] = peer.frames.filter((f) => sub(f) === 13).map((f) => f.wire);
    expect([asBin!.type, ...shape(asBin!.payload)]).toEqual([2, ...py2pShape(2, 13, 4)]);
    expect(asBin!.payload[3]).toBe('value of alpha');
    expect(shape(asStr!.payload)).toEqual(['int', 'str', 'str', 'str']);

    // A get on a routes retrieves to us; answer them like py2p.
    const reading = a.get(key, undefined, { timeout: 3000 });
    await waitFor(() => peer.frames.filter((f) => sub(f) === 12).length === mine.length);
    for (const r of peer.frames.filter((f) => sub(f) === 12).map((f) => f.wire)) {
      expect([r.type, ...shape(r.payload)]).toEqual([2, ...py2pShape(2, 12, 3)]);
      peer.sendPayload(2, [13, r.payload[1], r.payload[2], 'value of alpha']);
    }
    expect(await reading).toBe('value of alpha');
    expect(a.pendingLookups).toBe(0); // F3: finished requests are removed

    const d0 = peer.frames.length;
    await a.applyDelta('gamma', { x: 1 }, { timeout: 200 });
    const gammaMine = HASH_METHODS.filter((_, i) => a.find(getHashes('gamma')[i]!) !== a).length;
    await waitFor(() => peer.frames.slice(d0).filter((f) => sub(f) === 17).length === gammaMine);
    for (const d of peer.frames.slice(d0).filter((f) => sub(f) === 17).map((f) => f.wire)) expect([d.type, ...shape(d.payload)]).toEqual([2, ...py2pShape(2, 17, 4)]);

    const n0 = peer.frames.length;
    a.delete(key);
    await waitFor(() => peer.frames.slice(n0).some((f) => sub(f) === 6 && f.wire.payload.length === 3));
    const del = peer.frames.slice(n0).map((f) => f.wire).find((f) => f.payload[0] === 6 && f.payload.length === 3)!;
    expect([del.type, ...shape(del.payload)]).toEqual([0, ...py2pShape(0, 6, 3)]);
    expect(utf8Decode(del.payload[2] as Uint8Array)).toBe('del');
  });

  it('sends its meta on connections it dials too (F15)', async () => {
    const a = await node();
    const b = await node();
    b.join();
    await b.connect(...a.outAddr);
    // a (the accepting side) learns b stores without b ever receiving a meta change from a.
    await waitFor(() => a.storingPeers().length === 1);
  });
});
