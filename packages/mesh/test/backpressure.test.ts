/**
 * Backpressure over real TCP on 127.0.0.1: a synchronous burst of the local program is not a
 * peer's fault, even one that blocks the event loop for longer than `slowPeerTimeout` (only a
 * peer that stays over `writeHighWaterBytes` for `slowPeerTimeout` of free event-loop time
 * without taking as much is dropped); `send()` says `full`, `drain` / `drained()` pace a
 * sender, the node write budget refuses a send, relays stop at `maxWriteBufferBytes` per peer
 * (counted), and the receive queue is bounded in bytes.
 */
import { describe, expect, it } from 'vitest';
import { isP2PError, renderPrometheus, type P2PError } from '@p2p/base';
import type { MeshSocket } from '@p2p/mesh';
import { eventually } from '@p2p/testnet';
import { RawPeer, node, track } from './helpers';

const KiB = 1024;

function countBurst(socket: MeshSocket): { readonly count: number } {
  const counter = { count: 0 };
  socket.on('message', (m) => {
    if (m.packets[1] === 'burst') counter.count++;
  });
  return counter;
}

/** A raw peer filed by `target` that reads nothing from now on. */
async function silentPeer(target: MeshSocket): Promise<RawPeer> {
  const before = target.peers.size;
  const raw = track(await RawPeer.handshake(target));
  raw.socket.pause();
  await eventually(() => expect(target.peers.size).toBe(before + 1));
  return raw;
}

/** Blocks this process's event loop for `ms` (a long synchronous piece of the program). */
function busyWait(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until);
}

/** A sender with two healthy peers in this process (they can read only when the sender yields). */
async function senderWithTwoPeers(limits: Record<string, number>) {
  const sender = await node({ limits });
  const peers = [await node({ queueWhenListened: false }), await node({ queueWhenListened: false })];
  const got = peers.map(countBurst);
  for (const p of peers) await p.connect('127.0.0.1', sender.outAddr[1]);
  await eventually(() => expect(sender.peers.size).toBe(2));
  const errors: P2PError[] = [];
  sender.on('error', (e) => errors.push(e));
  return { sender, got, errors };
}

const body = crypto.getRandomValues(new Uint8Array(KiB)); // incompressible

describe('backpressure', () => {
  it('a synchronous burst far over maxWriteBufferBytes reaches both peers in full', { timeout: 60_000 }, async () => {
    // slowPeerTimeout 5 s: a 2 s one once dropped a healthy peer in a fully loaded CI run (the
    // peer took 1,153 bytes in 2.2 s while two suites shared the cores).
    const { sender, got, errors } = await senderWithTwoPeers({ maxWriteBufferBytes: 1024 * KiB, writeHighWaterBytes: 256 * KiB, slowPeerTimeout: 5000 });
    const n = 5_000; // 5 MiB in one loop: five times maxWriteBufferBytes, twenty times the high-water mark
    for (let i = 0; i < n; i++) sender.send(['burst', i, body]);
    await eventually(() => expect(got.map((g) => g.count)).toEqual([n, n]), { timeout: 50_000 });
    expect(errors).toEqual([]);
    expect(sender.peers.size).toBe(2);
  });

  it('a burst that blocks the event loop longer than slowPeerTimeout, three times over, drops no healthy peer and delivers everything', { timeout: 60_000 }, async () => {
    const slowPeerTimeout = 400;
    const { sender, got, errors } = await senderWithTwoPeers({ writeHighWaterBytes: 64 * KiB, slowPeerTimeout });
    let sent = 0;
    for (let round = 0; round < 3; round++) {
      let full = false;
      // Over the high-water mark first, so the slow-peer rule watches both peers during the block.
      for (let i = 0; i < 4_000 || (!full && i < 100_000); i++) full = sender.send(['burst', sent++, body]).full === true;
      expect(full).toBe(true);
      // Longer than slowPeerTimeout, shorter than it plus its half: the rule's timer is due, and
      // fires before the peers (in this process) could read a byte.
      busyWait(slowPeerTimeout * 1.25);
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
    await eventually(() => expect(got.map((g) => g.count)).toEqual([sent, sent]), { timeout: 50_000 });
    expect(errors).toEqual([]);
    expect(sender.peers.size).toBe(2);
  });

  it('a peer that never reads is dropped with LIMIT_EXCEEDED after slowPeerTimeout over writeHighWaterBytes; a healthy one keeps everything', { timeout: 60_000 }, async () => {
    const limits = { writeHighWaterBytes: 256 * KiB, slowPeerTimeout: 500 };
    const sender = await node({ limits });
    const healthy = await node({ queueWhenListened: false });
    const got = countBurst(healthy);
    await healthy.connect('127.0.0.1', sender.outAddr[1]);
    await eventually(() => expect(sender.peers.size).toBe(1));
    await silentPeer(sender);
    const dropped = new Promise<{ error: P2PError; at: number }>((resolve) => {
      sender.on('error', (error) => {
        if (isP2PError(error, 'LIMIT_EXCEEDED')) resolve({ error, at: Date.now() });
      });
    });
    const n = 5_000; // 5 MiB, twenty times the high-water mark
    const started = Date.now();
    for (let i = 0; i < n; i++) sender.send(['burst', i, body]);
    const { error, at } = await dropped;
    expect(at - started).toBeGreaterThanOrEqual(limits.slowPeerTimeout);
    expect(error.details).toMatchObject({ writeHighWaterBytes: limits.writeHighWaterBytes, slowPeerTimeout: limits.slowPeerTimeout });
    expect((error.details as { read: number }).read).toBeLessThan(limits.writeHighWaterBytes);
    await eventually(() => expect(sender.peers.size).toBe(1), { timeout: 5000 });
    await eventually(() => expect(got.count).toBe(n), { timeout: 40_000 });
  });

  it('send() reports full over writeHighWaterBytes; drain fires and drained() resolves once the peer has read it', { timeout: 30_000 }, async () => {
    const sender = await node({ limits: { writeHighWaterBytes: 64 * KiB } });
    const peer = await node({ queueWhenListened: false });
    const got = countBurst(peer);
    await peer.connect('127.0.0.1', sender.outAddr[1]);
    await eventually(() => expect(sender.peers.size).toBe(1));
    await sender.drained({ timeout: 1000 }); // nothing queued: at once
    let drains = 0;
    sender.on('drain', () => drains++);
    let sent = 0;
    let full = false;
    while (!full) full = sender.send(['burst', sent++, body]).full === true;
    expect(sent).toBeGreaterThan(0);
    await sender.drained({ timeout: 10_000 });
    expect(drains).toBe(1);
    expect(sender.send(['burst', sent++, body]).full).toBe(false);
    await eventually(() => expect(got.count).toBe(sent), { timeout: 10_000 });
  });

  it('a paced sender (await drained() whenever full) delivers everything to a fast peer while a silent one is dropped', { timeout: 30_000 }, async () => {
    const sender = await node({ limits: { writeHighWaterBytes: 256 * KiB, slowPeerTimeout: 300 } });
    const fast = await node({ queueWhenListened: false });
    const got = countBurst(fast);
    await fast.connect('127.0.0.1', sender.outAddr[1]);
    await eventually(() => expect(sender.peers.size).toBe(1));
    await silentPeer(sender);
    const n = 5000;
    for (let i = 0; i < n; i++) if (sender.send(['burst', i, body]).full) await sender.drained({ timeout: 10_000 });
    await eventually(() => expect(got.count).toBe(n), { timeout: 10_000 });
    expect(sender.peers.size).toBe(1);
  });

  it('drained() rejects with TIMEOUT while a peer does not read, and with ABORTED on its signal', { timeout: 20_000 }, async () => {
    const sender = await node({ limits: { writeHighWaterBytes: 16 * KiB } });
    await silentPeer(sender);
    for (let i = 0; i < 4000; i++) sender.send(['burst', i, body]);
    await expect(sender.drained({ timeout: 200 })).rejects.toMatchObject({ code: 'TIMEOUT' });
    const controller = new AbortController();
    const waiting = sender.drained({ signal: controller.signal });
    controller.abort();
    await expect(waiting).rejects.toMatchObject({ code: 'ABORTED' });
  });

  it('a send over maxNodeWriteBytes throws LIMIT_EXCEEDED and writes nothing; the link stays', { timeout: 20_000 }, async () => {
    const sender = await node({ limits: { maxNodeWriteBytes: 2 * 1024 * KiB } });
    const raw = await silentPeer(sender);
    let thrown: unknown;
    let sent = 0;
    try {
      for (; sent < 10_000; sent++) sender.send(['burst', sent, body]);
    } catch (err) {
      thrown = err;
    }
    expect(isP2PError(thrown, 'LIMIT_EXCEEDED')).toBe(true);
    expect(sent).toBeGreaterThan(100);
    expect(sent).toBeLessThan(10_000);
    const peer = [...sender.peers.values()][0]!;
    const queued = peer.writableLength;
    expect(() => sender.send(['burst', sent, body])).toThrow(/maxNodeWriteBytes/);
    expect(peer.writableLength).toBe(queued); // nothing was written
    expect(sender.peers.size).toBe(1);
    raw.socket.resume();
  });

  it('relays stop at maxWriteBufferBytes for a peer that does not read: the relay node keeps everything, the skipped relays are counted', { timeout: 30_000 }, async () => {
    // origin -> relay -> silent raw peer; the relay's own receiving is not held back.
    const relay = await node({ limits: { maxWriteBufferBytes: 256 * KiB, slowPeerTimeout: 60_000 }, queueWhenListened: false });
    const origin = await node();
    const got = countBurst(relay);
    await origin.connect('127.0.0.1', relay.outAddr[1]);
    await eventually(() => expect(relay.peers.size).toBe(1));
    await silentPeer(relay);
    const n = 4000;
    for (let i = 0; i < n; i++) if (origin.send(['burst', i, body]).full) await origin.drained({ timeout: 10_000 });
    await eventually(() => expect(got.count).toBe(n), { timeout: 20_000 });
    expect(relay.stats.droppedWrites).toBeGreaterThan(0);
    expect(relay.peers.size).toBe(2);
    const silent = [...relay.peers.values()].find((c) => c.writableLength > 0)!;
    // Not beyond the cap by more than one frame (a relay is refused once the queue is over it).
    expect(silent.writableLength).toBeLessThanOrEqual(256 * KiB + 2 * KiB);
    const text = renderPrometheus(relay.metrics());
    expect(text).toMatch(new RegExp(`^p2p_writes_dropped_total ${relay.stats.droppedWrites}$`, 'm'));
    // Every broadcast was either queued for the silent peer or counted as not queued.
    const relayed = Number(/^p2p_messages_relayed_total\{type="broadcast"\} (\d+)$/m.exec(text)?.[1]);
    expect(relayed + relay.stats.droppedWrites).toBe(n);
  });

  it('the receive queue is bounded in bytes (maxQueueBytes): the oldest go and are counted', { timeout: 20_000 }, async () => {
    const receiver = await node({ limits: { maxQueueBytes: 16 * KiB } });
    const sender = await node();
    await sender.connect('127.0.0.1', receiver.outAddr[1]);
    await eventually(() => expect(receiver.peers.size).toBe(1));
    for (let i = 0; i < 100; i++) sender.send(['burst', i, body]);
    // 100 x 1 KiB messages into 16 KiB: at most 15 stay.
    await eventually(() => expect(receiver.stats.droppedMessages).toBeGreaterThanOrEqual(85), { timeout: 10_000 });
    await new Promise((resolve) => setTimeout(resolve, 200));
    const queued = receiver.recv(1000);
    expect(queued.reduce((sum, m) => sum + m.byteLength, 0)).toBeLessThanOrEqual(16 * KiB);
    expect(receiver.stats.droppedMessages + queued.length).toBe(100);
    expect(queued.at(-1)?.packets[2]).toBe(99); // the newest stay
  });
});
