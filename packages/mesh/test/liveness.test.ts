/** Ping/pong between @p2p nodes (PROTOCOL.md 4.10): a half-open peer is dropped within liveness.timeout + liveness.interval. */
import { describe, expect, it } from 'vitest';
import { MainFlags, SubFlags, type P2PError } from '@p2p/base';
import { DEFAULT_LIVENESS, livenessAction } from '../src/liveness';
import { node, RawPeer, track } from './helpers';

describe('livenessAction (pure)', () => {
  it('pings idle peers, drops only ping-answering ones after the timeout', () => {
    const p = DEFAULT_LIVENESS;
    expect(livenessAction(0, true, p)).toBe('none');
    expect(livenessAction(p.interval, false, p)).toBe('ping');
    expect(livenessAction(p.timeout, true, p)).toBe('drop');
    // py2p and js2p never answer pings: they are pinged, never dropped for it.
    expect(livenessAction(p.timeout * 10, false, p)).toBe('ping');
  });
});

describe('liveness over TCP', () => {
  it('two idle @p2p nodes ping each other and stay connected', async () => {
    const liveness = { interval: 100, timeout: 400 };
    const a = await node({ liveness });
    const b = await node({ liveness });
    await b.connect(...a.outAddr);
    const drops: unknown[] = [];
    a.on('peer:disconnect', (p) => drops.push(p));
    b.on('peer:disconnect', (p) => drops.push(p));
    await new Promise((r) => setTimeout(r, 1_000));
    expect(drops).toEqual([]);
    expect(a.peers.has(b.id) && b.peers.has(a.id)).toBe(true);
    expect(a.status).toBe('Nominal');
  });

  it('a peer that answered a ping and then stops reading and answering is dropped (PEER_UNRESPONSIVE)', async () => {
    const liveness = { interval: 150, timeout: 600 };
    const a = await node({ liveness });
    const raw = track(await RawPeer.handshake(a));
    await raw.nextWhere((f) => f.wire.payload[0] === SubFlags.ping, 3_000);
    raw.sendPayload(MainFlags.whisper, [SubFlags.pong]);
    const silentSince = Date.now();
    raw.socket.pause(); // half-open: it neither reads nor answers from here on
    const error = new Promise<P2PError>((resolve) => a.on('error', (e) => e.code === 'PEER_UNRESPONSIVE' && resolve(e)));
    const dropped = new Promise((resolve) => a.once('peer:disconnect', (_p, reason) => resolve(reason)));
    const reason = (await dropped) as P2PError;
    const took = Date.now() - silentSince;
    expect(reason.code).toBe('PEER_UNRESPONSIVE');
    expect((await error).message).toMatch(/stopped answering pings/);
    // Documented bound: timeout + interval (plus scheduling slack).
    expect(took).toBeLessThan(liveness.timeout + liveness.interval + 500);
    expect(a.peers.size).toBe(0);
  });

  it('a py2p-like peer that never answers pings is kept', async () => {
    const a = await node({ liveness: { interval: 100, timeout: 300 } });
    const raw = track(await RawPeer.handshake(a));
    await raw.nextWhere((f) => f.wire.payload[0] === SubFlags.ping, 3_000);
    await new Promise((r) => setTimeout(r, 800));
    expect(a.peers.has(raw.id)).toBe(true);
  });

  it('answers a ping with a pong', async () => {
    const a = await node({ liveness: false });
    const raw = track(await RawPeer.handshake(a));
    raw.sendPayload(MainFlags.whisper, [SubFlags.ping]);
    const pong = await raw.nextWhere((f) => f.wire.payload[0] === SubFlags.pong);
    expect(pong.wire.type).toBe(MainFlags.whisper);
    expect(pong.wire.payload).toEqual([SubFlags.pong]);
  });
});
