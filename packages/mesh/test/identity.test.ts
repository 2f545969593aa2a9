/**
 * Identity (PROTOCOL.md F1): the first live link keeps its id; another link claiming it is refused
 * unless the filed link stays silent through a probe; a link cannot change its id. Real nodes and
 * raw peers over TCP on 127.0.0.1.
 */
import { describe, expect, it } from 'vitest';
import { MainFlags, SubFlags, nodeIdToBigInt } from '@p2p/base';
import type { MeshSocket } from '@p2p/mesh';
import { eventually } from '@p2p/testnet';
import { IDENTITY_PROBE_MS } from '../src/handshake';
import { RawPeer, nextError, nextMessage, node, track } from './helpers';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A linked target and victim, the victim's id larger or smaller than the target's. */
async function pair(victimLarger: boolean, victimDials: boolean): Promise<[MeshSocket, MeshSocket]> {
  const target = await node({ maxOutgoing: 0 });
  let victim = await node({ maxOutgoing: 0 });
  while (nodeIdToBigInt(victim.id) > nodeIdToBigInt(target.id) !== victimLarger) {
    await victim.close();
    victim = await node({ maxOutgoing: 0 });
  }
  if (victimDials) await victim.connect(...target.outAddr);
  else await target.connect(...victim.outAddr);
  await eventually(() => expect(target.peers.has(victim.id) && victim.peers.has(target.id)).toBe(true));
  return [target, victim];
}

async function claim(target: MeshSocket, id: string, addr: [string, number]): Promise<RawPeer> {
  const claimant = track(await RawPeer.connect(target.outAddr[1], { id }));
  await claimant.nextWhere((f) => f.wire.payload[0] === SubFlags.handshake);
  claimant.sendHandshake(target.protocol.idBytes(), { addr });
  return claimant;
}

describe('a handshake claiming a connected peer id', () => {
  for (const victimLarger of [true, false]) {
    for (const victimDials of [true, false]) {
      it(`is refused with ID_IN_USE (victim id ${victimLarger ? 'larger' : 'smaller'}, ${victimDials ? 'victim dialed' : 'target dialed'}); the victim keeps its link and the broadcasts`, async () => {
        const [target, victim] = await pair(victimLarger, victimDials);
        const before = target.peers.get(victim.id)!;
        // Past the window of a simultaneous connect.
        await sleep(1_100);
        const refused = nextError(target, 'ID_IN_USE');
        const claimant = await claim(target, victim.id, [...victim.outAddr]);
        expect((await refused).details).toMatchObject({ peer: victim.id });
        await claimant.closed;
        expect(target.peers.get(victim.id)).toBe(before);
        expect(before.closed).toBe(false);
        const got = nextMessage(victim);
        target.send(['still yours']);
        expect((await got).packets[1]).toBe('still yours');
        expect(claimant.frames.some((f) => f.wire.payload[1] === 'still yours')).toBe(false);
      });
    }
  }

  it('waits for a probe when the filed link has been quiet; a @p2p peer answers the ping and keeps its link', async () => {
    const [target, victim] = await pair(true, false);
    const before = target.peers.get(victim.id)!;
    await sleep(IDENTITY_PROBE_MS + 200);
    const refused = nextError(target, 'ID_IN_USE', IDENTITY_PROBE_MS + 3000);
    const claimant = await claim(target, victim.id, [...victim.outAddr]);
    await refused;
    await claimant.closed;
    expect(target.peers.get(victim.id)).toBe(before);
    expect(victim.peers.has(target.id)).toBe(true);
  });

  it('a py2p-like peer answering the re-sent handshake keeps its link', async () => {
    const target = await node({ maxOutgoing: 0 });
    const real = track(await RawPeer.handshake(target));
    await eventually(() => expect(target.peers.has(real.id)).toBe(true));
    const before = target.peers.get(real.id)!;
    await sleep(IDENTITY_PROBE_MS + 200);
    const refused = nextError(target, 'ID_IN_USE', IDENTITY_PROBE_MS + 3000);
    const claimant = await claim(target, real.id, ['127.0.0.1', 1]);
    // As py2p: pings go unanswered, a handshake gets a peers list (PROTOCOL.md 4.2).
    const resent = await real.nextWhere((f) => f.wire.payload[0] === SubFlags.handshake && f.wire.sender === target.id, IDENTITY_PROBE_MS + 1000);
    expect(resent).toBeDefined();
    real.sendPayload(MainFlags.whisper, [SubFlags.peers, []]);
    await refused;
    await claimant.closed;
    expect(target.peers.get(real.id)).toBe(before);
  });

  it('is admitted once the filed link stayed silent through the probe (a py2p peer reconnecting over a half-open link)', async () => {
    const target = await node({ maxOutgoing: 0 });
    const disconnects: string[] = [];
    target.on('peer:disconnect', (p) => disconnects.push(p.id));
    const stale = track(await RawPeer.handshake(target));
    await eventually(() => expect(target.peers.has(stale.id)).toBe(true));
    const before = target.peers.get(stale.id)!;
    await sleep(IDENTITY_PROBE_MS + 200);
    // The same peer again on a new link; the old one answers nothing.
    const fresh = await claim(target, stale.id, ['127.0.0.1', 1]);
    await fresh.nextWhere((f) => f.wire.payload[0] === SubFlags.peers, IDENTITY_PROBE_MS + 3000);
    const now = target.peers.get(stale.id)!;
    expect(now).not.toBe(before);
    expect(now.closed).toBe(false);
    await stale.closed;
    expect(disconnects).toEqual([]);
    const got = fresh.nextWhere((f) => f.wire.payload[1] === 'to the reconnected peer');
    target.send(['to the reconnected peer']);
    await got;
  });
});

describe('a link handshaking again as another id', () => {
  it('is dropped with ID_CHANGED and its first id reported disconnected', async () => {
    const target = await node({ maxOutgoing: 0 });
    const peer = track(await RawPeer.handshake(target));
    await eventually(() => expect(target.peers.has(peer.id)).toBe(true));
    const changed = nextError(target, 'ID_CHANGED');
    const gone = new Promise<string>((resolve) => target.on('peer:disconnect', (p) => resolve(p.id)));
    peer.sendHandshake(target.protocol.idBytes(), { id: 'Another1d'.padEnd(60, 'x') });
    expect((await changed).details).toMatchObject({ peer: peer.id });
    expect(await gone).toBe(peer.id);
    await peer.closed;
    expect(target.peers.size).toBe(0);
  });
});
