/**
 * The partial-frame deadline over TCP: it counts from the last bytes received, however long
 * the frame takes as a whole (the timer is armed once per partial frame, not per chunk).
 */
import { describe, expect, it } from 'vitest';
import { MainFlags, SubFlags, encodeFrame } from '@p2p/base';
import { RawPeer, nextError, nextMessage, node, track } from './helpers';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('stalled frames', () => {
  it('a frame trickling in for longer than the deadline is read; one that stops mid-way drops the link', async () => {
    const a = await node({ limits: { stalledFrameTimeout: 300 } });
    const raw = track(await RawPeer.handshake(a));
    const frame = encodeFrame({ type: MainFlags.broadcast, sender: raw.id, time: Math.floor(Date.now() / 1000), payload: [SubFlags.broadcast, 'slow'] });
    // Ten pieces 100 ms apart: a second in all, never 300 ms without bytes.
    const got = nextMessage(a, undefined, 5000);
    const step = Math.ceil(frame.length / 10);
    for (let at = 0; at < frame.length; at += step) {
      raw.write(frame.subarray(at, at + step));
      await sleep(100);
    }
    expect((await got).packets[1]).toBe('slow');
    expect(a.peers.size).toBe(1);

    const stalled = nextError(a, 'STALLED_FRAME', 5000);
    const started = Date.now();
    raw.write(frame.subarray(0, 20));
    await stalled;
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    await raw.closed;
  });
});
