/** Peers this node dialed come back after a drop: exponential backoff with jitter, bounded, stopped by disconnect() and close(). */
import { describe, expect, it } from 'vitest';
import { MeshSocket } from '@p2p/mesh';
import { eventually, waitFor } from '@p2p/testnet';
import { DEFAULT_RECONNECT, redialDelay, resolveReconnect } from '../src/reconnect';
import { node, nextMessage, track } from './helpers';

describe('redialDelay (pure)', () => {
  const policy = DEFAULT_RECONNECT;

  it('doubles from initialDelay up to maxDelay, then gives up after maxAttempts', () => {
    const delays = Array.from({ length: policy.maxAttempts + 1 }, (_, i) => redialDelay(i, policy, 0));
    expect(delays.slice(0, 7)).toEqual([250, 500, 1000, 2000, 4000, 8000, 10_000]);
    expect(delays[policy.maxAttempts - 1]).toBe(10_000);
    expect(delays[policy.maxAttempts]).toBeUndefined();
  });

  it('jitter takes up to that share off each delay, never more than maxDelay', () => {
    expect(redialDelay(0, policy, 0.999999)).toBe(125);
    expect(redialDelay(2, policy, 0.5)).toBe(750);
    for (let i = 0; i < 50; i++) {
      const d = redialDelay(i % policy.maxAttempts, policy, Math.random())!;
      expect(d).toBeGreaterThanOrEqual(0);
      expect(d).toBeLessThanOrEqual(policy.maxDelay);
    }
    expect(redialDelay(0, resolveReconnect({ jitter: 0 })!, 0.9)).toBe(250);
  });

  it('rejects nonsense attempts and can be turned off', () => {
    expect(redialDelay(-1, policy, 0)).toBeUndefined();
    expect(redialDelay(1.5, policy, 0)).toBeUndefined();
    expect(resolveReconnect(false)).toBeUndefined();
    expect(resolveReconnect({ maxAttempts: 3 })).toMatchObject({ maxAttempts: 3, initialDelay: 250 });
  });
});

describe('re-dialing over TCP', () => {
  it('a peer killed and restarted on the same port is back within a few seconds', async () => {
    const a = await node();
    const b = await MeshSocket.listen();
    const port = b.outAddr[1];
    await a.connect(...b.outAddr);
    const gone = new Promise((resolve) => a.once('peer:disconnect', resolve));
    await b.destroy(); // as a crash looks to peers
    await gone;
    expect(a.peers.size).toBe(0);
    const started = Date.now();
    const b2 = track(await MeshSocket.listen({ port }));
    await waitFor(() => a.peers.has(b2.id), { timeout: 5_000 });
    const elapsed = Date.now() - started;
    expect(elapsed).toBeLessThan(5_000);
    await eventually(() => expect(b2.peers.has(a.id)).toBe(true));
    const got = nextMessage(b2);
    expect(a.send(['welcome back']).written).toBe(1);
    expect((await got).packets[1]).toBe('welcome back');
  }, 15_000);

  it('only the side that dialed re-dials; disconnect() and close() stop it', async () => {
    const a = await node({ reconnect: { initialDelay: 50, maxDelay: 100 } });
    const b = await MeshSocket.listen({ reconnect: { initialDelay: 50, maxDelay: 100 } });
    const port = b.outAddr[1];
    await a.connect(...b.outAddr);
    // An explicit disconnect is not a drop: no re-dial.
    a.disconnect(b.id);
    await eventually(() => expect(b.peers.size).toBe(0));
    await new Promise((r) => setTimeout(r, 400));
    expect(a.peers.size).toBe(0);
    expect(b.peers.size).toBe(0);
    await b.close();
    // b dialed nobody: restarting a does not make b come back; a restarted b is re-dialed by nobody.
    const c = await node({ reconnect: { initialDelay: 50, maxDelay: 100 } });
    const b2 = track(await MeshSocket.listen({ port }));
    await c.connect(...b2.outAddr);
    await b2.destroy();
    await c.close(); // stops the re-dial timers at once
    const b3 = track(await MeshSocket.listen({ port }));
    await new Promise((r) => setTimeout(r, 400));
    expect(b3.peers.size).toBe(0);
  }, 15_000);

  it('reconnect: false keeps a dropped peer dropped', async () => {
    const a = await node({ reconnect: false });
    const b = await MeshSocket.listen();
    const port = b.outAddr[1];
    await a.connect(...b.outAddr);
    await b.destroy();
    await eventually(() => expect(a.peers.size).toBe(0));
    const b2 = track(await MeshSocket.listen({ port }));
    await new Promise((r) => setTimeout(r, 600));
    expect(b2.peers.size).toBe(0);
  });
});
