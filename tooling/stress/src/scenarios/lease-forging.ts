/**
 * Lease forging: a raw socket that never handshakes names a node as sender and stores over (and
 * deletes) its leased keys; a handshaken one stores a key dated ten years ahead. Goal: the
 * owner's keys are unchanged on the node the forger reached and on the owner, the future-dated
 * store is refused everywhere, and the real writer can still write that key. Whether a third
 * node saw the forgery relayed (mesh relays broadcasts before handlers run) is reported.
 */
import net from 'node:net';
import { MainFlags, SubFlags, base58Encode, encodeFrame, utf8Encode } from '@p2p/base';
import { SyncSocket } from '@p2p/sync';
import { Checks, type ScenarioResult } from '../report';
import { until } from '../wait';

function rawWrite(port: number, frames: Uint8Array[], waitMs: number): Promise<void> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.on('error', () => {});
    socket.on('data', () => {});
    socket.on('connect', () => {
      for (const f of frames) socket.write(f);
      setTimeout(() => socket.destroy(), waitMs);
    });
    socket.on('close', () => resolve());
  });
}

export async function leaseForging(options: { keys: number }): Promise<ScenarioResult> {
  const checks = new Checks();
  const nodes = await Promise.all([0, 1, 2].map(() => SyncSocket.listen({ host: '127.0.0.1', maxOutgoing: 0, limits: { maxPeersPerList: 0 } })));
  const [owner, target, other] = nodes as [SyncSocket, SyncSocket, SyncSocket];
  try {
    await target.connect(...owner.outAddr);
    await other.connect(...target.outAddr);
    for (let i = 0; i < options.keys; i++) owner.set(`owned${i}`, `by owner ${i}`);
    await until(() => nodes.every((n) => n.size === options.keys), 5000);
    const now = Math.floor(Date.now() / 1000);

    // 1. No handshake, the owner named as sender: stores and deletes of its keys.
    const forged: Uint8Array[] = [];
    for (let i = 0; i < options.keys; i++) {
      const value = i % 2 === 0 ? 'forged' : null;
      forged.push(encodeFrame({ type: MainFlags.broadcast, sender: owner.id, time: now, payload: [SubFlags.store, utf8Encode(`owned${i}`), value] }));
    }
    await rawWrite(target.outAddr[1], forged, 300);

    // 2. Handshaken, a store dated ten years ahead.
    const id = base58Encode(crypto.getRandomValues(new Uint8Array(48)));
    const handshake = encodeFrame({
      type: MainFlags.whisper,
      sender: id,
      time: now,
      payload: [SubFlags.handshake, utf8Encode(id), utf8Encode(target.protocol.id), ['127.0.0.1', 1], []],
    });
    const future = encodeFrame({ type: MainFlags.broadcast, sender: id, time: now + 10 * 365 * 86400, payload: [SubFlags.store, utf8Encode('locked'), 'mine for ten years'] });
    await rawWrite(target.outAddr[1], [handshake, future], 500);

    const intactOn = (n: SyncSocket): boolean => [...Array(options.keys)].every((_, i) => n.get(`owned${i}`) === `by owner ${i}`);
    // Mesh relays nothing from a connection before its handshake, so the third node must be untouched too.
    const intact = intactOn(target) && intactOn(owner) && intactOn(other);
    const locked = nodes.some((n) => n.has('locked'));
    let writerBlocked = false;
    try {
      other.set('locked', 'the real writer');
    } catch {
      writerBlocked = true;
    }
    const written = await until(() => nodes.every((n) => n.get('locked') === 'the real writer'), 5000);
    checks.check(intact, "a forged store or delete changed the owner's keys on some node");
    checks.check(!locked, 'the future-dated store was applied');
    checks.check(!writerBlocked && written, 'the real writer could not write the key afterwards');
    return checks.result('lease-forging', "unhandshaken forged stores/deletes change nothing on any node; a store dated 10 years ahead is refused; the writer still writes", {
      forgedWrites: options.keys,
      ownerKeysIntact: intact,
      futureStoreApplied: locked,
      realWriterWrote: written,
      errors: target.status === 'Nominal' ? [] : [...new Set(target.status.map((e) => e.code))],
    });
  } finally {
    await Promise.all(nodes.map((n) => n.close()));
  }
}
