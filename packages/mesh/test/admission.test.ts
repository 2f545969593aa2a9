/**
 * Admission (src/admission.ts): the pure rules, then the same over real TCP on loopback: a
 * flood of never-handshaking sockets, idle handshaken sockets filling the cap, and concurrent
 * dials against maxConnections.
 */
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { base58Encode, isP2PError, type P2PError } from '@p2p/base';
import type { PeerInfo } from '@p2p/mesh';
import { nextEvent, waitFor } from '@p2p/testnet';
import { decideAdmission, type AdmissionCandidate, type AdmissionLimits } from '../src/admission';
import { RawPeer, node, track } from './helpers';

const LIMITS: AdmissionLimits = {
  maxConnections: 10,
  maxPendingConnections: 4,
  maxPendingOutgoing: 2,
  maxPendingPerAddress: 3,
  maxConnectionsPerAddress: 6,
  evictIdleAfter: 1000,
};
const NOW = 100_000;

interface C extends AdmissionCandidate {
  readonly name: string;
}
const conn = (name: string, over: Partial<AdmissionCandidate> = {}): C => ({
  name,
  outgoing: false,
  handshaken: false,
  host: '10.0.0.1',
  openedAt: NOW - 10,
  activeAt: NOW - 10,
  ...over,
});
const evicted = (d: ReturnType<typeof decideAdmission<C>>): string[] | string => (d.kind === 'admit' ? d.evict.map((c) => c.name) : `refused ${d.limit}`);

describe('admission rules', () => {
  it('admits under every cap and evicts nothing', () => {
    expect(evicted(decideAdmission({ direction: 'incoming', host: '10.0.0.9' }, [conn('a'), conn('b', { handshaken: true })], 0, LIMITS, NOW))).toEqual([]);
    expect(evicted(decideAdmission({ direction: 'outgoing' }, [conn('a')], 1, LIMITS, NOW))).toEqual([]);
  });

  it('keeps outgoing handshakes on their own budget: dials in flight plus unhandshaken outgoing links', () => {
    const flood = [1, 2, 3, 4].map((i) => conn(`f${i}`, { host: `10.0.1.${i}` }));
    expect(evicted(decideAdmission({ direction: 'outgoing' }, flood, 1, LIMITS, NOW))).toEqual([]);
    expect(evicted(decideAdmission({ direction: 'outgoing' }, [...flood, conn('o', { outgoing: true })], 1, LIMITS, NOW))).toBe('refused maxPendingOutgoing');
    // ...and a full outgoing budget does not stop incoming peers.
    expect(evicted(decideAdmission({ direction: 'incoming', host: '10.0.0.9' }, [conn('o', { outgoing: true })], 2, LIMITS, NOW))).toEqual([]);
  });

  it('full incoming handshake budget: evicts the oldest unhandshaken connection of the busiest address', () => {
    const links = [
      conn('x-old', { host: '10.0.0.2', openedAt: NOW - 900 }),
      conn('a1', { openedAt: NOW - 500 }),
      conn('a2', { openedAt: NOW - 400 }),
      conn('a3', { openedAt: NOW - 300 }),
    ];
    expect(evicted(decideAdmission({ direction: 'incoming', host: '10.0.0.3' }, links, 0, LIMITS, NOW))).toEqual(['a1']);
  });

  it('full per-address handshake budget: evicts that address’s oldest, never another’s', () => {
    const links = [conn('b', { host: '10.0.0.2', openedAt: NOW - 900 }), conn('a1', { openedAt: NOW - 500 }), conn('a2', { openedAt: NOW - 400 }), conn('a3', { openedAt: NOW - 300 })];
    expect(evicted(decideAdmission({ direction: 'incoming', host: '10.0.0.1' }, links, 0, { ...LIMITS, maxPendingConnections: 10 }, NOW))).toEqual(['a1']);
  });

  it('full connection cap: unhandshaken first, then the longest-idle incoming peer; outgoing never', () => {
    const busy = (name: string, over: Partial<AdmissionCandidate> = {}): C => conn(name, { handshaken: true, host: `10.0.2.${name.length}`, activeAt: NOW - 10, ...over });
    const active = [...Array(8)].map((_, i) => busy(`p${i}`, { host: `10.0.3.${i}` }));
    const idleOut = busy('out', { outgoing: true, activeAt: NOW - 50_000 });
    const limits = { ...LIMITS, maxConnections: 10 };
    // Only active incoming and one idle outgoing: nothing may go.
    expect(evicted(decideAdmission({ direction: 'incoming', host: '10.9.9.9' }, [...active, idleOut], 1, limits, NOW))).toBe('refused maxConnections');
    // An idle incoming peer goes (the longest idle of two).
    const idle1 = busy('idle1', { host: '10.0.4.1', activeAt: NOW - 5000 });
    const idle2 = busy('idle2', { host: '10.0.4.2', activeAt: NOW - 9000 });
    expect(evicted(decideAdmission({ direction: 'incoming', host: '10.9.9.9' }, [...active.slice(2), idleOut, idle1, idle2], 1, limits, NOW))).toEqual(['idle2']);
    // An unhandshaken one goes before any idle peer.
    expect(evicted(decideAdmission({ direction: 'outgoing' }, [...active.slice(2), idleOut, idle1, idle2, conn('new', { host: '10.0.5.5' })], 0, limits, NOW))).toEqual(['new']);
  });

  it('counts dials in flight against maxConnections', () => {
    const links = [...Array(7)].map((_, i) => conn(`p${i}`, { handshaken: true, host: `10.0.3.${i}` }));
    expect(evicted(decideAdmission({ direction: 'outgoing' }, links, 2, { ...LIMITS, maxPendingOutgoing: 10 }, NOW))).toEqual([]);
    expect(evicted(decideAdmission({ direction: 'outgoing' }, links, 3, { ...LIMITS, maxPendingOutgoing: 10 }, NOW))).toBe('refused maxConnections');
  });

  it('per-address connection cap: refuses when every connection of that address is active, evicts an idle one', () => {
    const links = [...Array(6)].map((_, i) => conn(`a${i}`, { handshaken: true, activeAt: NOW - 10 * (i + 1) }));
    expect(evicted(decideAdmission({ direction: 'incoming', host: '10.0.0.1' }, links, 0, LIMITS, NOW))).toBe('refused maxConnectionsPerAddress');
    expect(evicted(decideAdmission({ direction: 'incoming', host: '10.0.0.2' }, links, 0, LIMITS, NOW))).toEqual([]);
    const withIdle = [...links.slice(1), conn('idle', { handshaken: true, activeAt: NOW - 2000 })];
    expect(evicted(decideAdmission({ direction: 'incoming', host: '10.0.0.1' }, withIdle, 0, LIMITS, NOW))).toEqual(['idle']);
  });
});

const randomId = (): string => base58Encode(crypto.getRandomValues(new Uint8Array(48)));

/** Keeps `count` never-handshaking sockets from `localAddress` open to `port`, re-opening each one closed. */
function flood(port: number, count: number, localAddress: string): () => void {
  let stopped = false;
  const live = new Set<net.Socket>();
  const open = (): void => {
    if (stopped) return;
    const s = net.connect({ host: '127.0.0.1', port, localAddress });
    live.add(s);
    s.on('error', () => {});
    s.resume();
    s.on('close', () => {
      live.delete(s);
      setImmediate(open);
    });
  };
  for (let i = 0; i < count; i++) open();
  return () => {
    stopped = true;
    for (const s of live) s.destroy();
  };
}

describe('admission over TCP', () => {
  it('a flood of never-handshaking sockets from one address neither blocks a peer from another nor dialing out', async () => {
    const a = await node({ maxOutgoing: 0, limits: { maxPendingPerAddress: 4 } });
    const b = await node({ maxOutgoing: 0 });
    const c = await node({ maxOutgoing: 0 });
    a.on('error', () => {});
    // 127.0.0.2 is loopback too: the flood's address differs from the honest peers' 127.0.0.1.
    const stop = flood(a.outAddr[1], 100, '127.0.0.2');
    track({ close: async () => stop() });
    await waitFor(() => a.pendingConnections.length === 4);
    await b.connect(...a.outAddr);
    await a.connect(...c.outAddr);
    expect(a.peers.has(b.id) && a.peers.has(c.id)).toBe(true);
    expect(a.pendingConnections.filter((p) => p.remote.host.endsWith('127.0.0.2')).length).toBeLessThanOrEqual(4);
    stop();
  });

  it('a flood from the same address evicts its oldest unhandshaken connections for a real peer', async () => {
    const a = await node({ maxOutgoing: 0, limits: { maxPendingPerAddress: 8 } });
    const b = await node({ maxOutgoing: 0 });
    a.on('error', () => {});
    const stop = flood(a.outAddr[1], 100, '127.0.0.1');
    track({ close: async () => stop() });
    await waitFor(() => a.pendingConnections.length === 8);
    await b.connect(...a.outAddr);
    expect(a.peers.has(b.id)).toBe(true);
    stop();
  });

  it('evicts the longest-idle incoming peer when the cap is full, keeping one that spoke lately', async () => {
    const a = await node({ maxOutgoing: 0, liveness: false, limits: { maxConnections: 2, evictIdleAfter: 300 } });
    const busy = await node({ maxOutgoing: 0 });
    const late = await node({ maxOutgoing: 0 });
    const idle = track(await RawPeer.handshake(a, { id: randomId() }));
    await busy.connect(...a.outAddr);
    await waitFor(() => a.peers.size === 2);
    await new Promise((resolve) => setTimeout(resolve, 400));
    busy.send(['still here']);
    await waitFor(() => a.recv() !== undefined);
    const gone = nextEvent<[PeerInfo, P2PError | undefined]>(a, 'peer:disconnect', { timeout: 5000 });
    await late.connect(...a.outAddr);
    await idle.closed;
    const [info, reason] = await gone;
    expect(info.id).toBe(idle.id);
    expect(reason?.code).toBe('LIMIT_EXCEEDED');
    expect(a.peers.has(busy.id) && a.peers.has(late.id)).toBe(true);
    expect(a.peers.size).toBe(2);
  });

  it('never evicts outgoing links: with the cap full of them, an incoming peer is refused', async () => {
    const a = await node({ maxOutgoing: 0, limits: { maxConnections: 2, evictIdleAfter: 1 } });
    const [b, c, d] = await Promise.all([node({ maxOutgoing: 0 }), node({ maxOutgoing: 0 }), node({ maxOutgoing: 0 })]);
    a.on('error', () => {});
    await a.connect(...b.outAddr);
    await a.connect(...c.outAddr);
    await new Promise((resolve) => setTimeout(resolve, 20));
    await expect(d.connect(...a.outAddr)).rejects.toSatisfy((e: unknown) => isP2PError(e));
    expect([...a.peers.keys()].sort()).toEqual([b.id, c.id].sort());
  });

  it('concurrent connects file at most maxConnections; the rest reject LIMIT_EXCEEDED', async () => {
    const a = await node({ maxOutgoing: 0, limits: { maxConnections: 3 } });
    const peers = await Promise.all([...Array(6)].map(() => node({ maxOutgoing: 0 })));
    const outcomes = await Promise.allSettled(peers.map((p) => a.connect(...p.outAddr)));
    const refused = outcomes.filter((o) => o.status === 'rejected' && isP2PError(o.reason, 'LIMIT_EXCEEDED'));
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(3);
    expect(refused).toHaveLength(3);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(a.peers.size).toBe(3);
  });
});
