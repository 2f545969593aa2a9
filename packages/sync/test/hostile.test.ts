/** Writes a peer must not be able to make: before its handshake, or dated far ahead (real TCP). */
import { describe, expect, it } from 'vitest';
import { MainFlags, SubFlags, utf8Encode } from '@p2p/base';
import { waitFor } from '@p2p/testnet';
import { RAW_ID, RawPeer, nextError, reconnectAfterChanges, syncNode, track } from './helpers';

describe('writes refused', () => {
  it('a store or delete from a connection that never handshook is refused and the link dropped', async () => {
    const node = await syncNode();
    const owner = await syncNode();
    await owner.connect(...node.outAddr);
    owner.set('owned', 'by owner');
    await waitFor(() => node.get('owned') === 'by owner');

    for (const value of ['forged', null]) {
      const raw = track(await RawPeer.connect(node.outAddr[1]));
      const refused = nextError(node, 'BAD_MESSAGE');
      // Names the real owner as sender, as the probe did; no handshake first.
      raw.sendPayload(MainFlags.broadcast, [SubFlags.store, utf8Encode('owned'), value], undefined, owner.id);
      expect((await refused).message).toMatch(/before the handshake/);
      await raw.closed;
      expect(node.get('owned')).toBe('by owner');
    }
    owner.set('owned', 'still writable');
    await waitFor(() => node.get('owned') === 'still writable');
  });

  it('a lease dated more than a minute ahead is refused (FUTURE_TIMESTAMP); the real writer keeps writing', async () => {
    const node = await syncNode();
    const writer = await syncNode();
    await writer.connect(...node.outAddr);
    const raw = track(await RawPeer.handshake(node));
    await waitFor(() => node.peers.has(RAW_ID));
    const now = Math.floor(Date.now() / 1000);
    const tenYears = now + 10 * 365 * 86400;

    let refused = nextError(node, 'FUTURE_TIMESTAMP');
    raw.sendPayload(MainFlags.broadcast, [SubFlags.store, utf8Encode('locked'), 'mine for ten years'], tenYears);
    expect((await refused).details).toMatchObject({ timestamp: tenYears });
    refused = nextError(node, 'FUTURE_TIMESTAMP');
    raw.sendPayload(MainFlags.whisper, [SubFlags.store, utf8Encode('locked'), 'replayed', utf8Encode(RAW_ID), tenYears]);
    await refused;
    refused = nextError(node, 'FUTURE_TIMESTAMP');
    raw.sendPayload(MainFlags.broadcast, [SubFlags.delta, utf8Encode('locked'), { a: 1 }], now + 120);
    await refused;
    expect(node.has('locked')).toBe(false);
    // A minute ahead is still fine (clock skew).
    raw.sendPayload(MainFlags.broadcast, [SubFlags.store, utf8Encode('skewed'), 'ok'], now + 30);
    await waitFor(() => node.get('skewed') === 'ok');

    writer.set('locked', 'the real writer');
    await waitFor(() => node.get('locked') === 'the real writer');
    expect(node.peers.has(RAW_ID)).toBe(true);
  });
});

describe('reconnect', () => {
  it('a peer that reconnects is sent what changed since its confirmed checkpoint, not everything', async () => {
    const a = await syncNode({ maxOutgoing: 0 });
    const b = await syncNode({ maxOutgoing: 0 });
    // The full replay would be 100 x 500 bytes; the changes are two keys.
    const received = await reconnectAfterChanges(a, b, async () => {
      await b.connect(...a.outAddr);
    });
    expect(received).toBeLessThan(5000);
    expect(b.size).toBe(a.size);

    // A node never met gets everything.
    const c = await syncNode({ maxOutgoing: 0 });
    await c.connect(...a.outAddr);
    await waitFor(() => c.size === a.size);
    expect(c.peers.get(a.id)!.bytesReceived).toBeGreaterThan(50_000);
  });
});
