/** The slow-peer rule's period, pure: late ticks do not count, a reading peer starts over, a silent one is judged. */
import { describe, expect, it } from 'vitest';
import { SlowPeerPeriod, slowPeerTick } from '../src/slow-peer';

const limits = { writeHighWaterBytes: 1000, slowPeerTimeout: 800 };
const tick = slowPeerTick(limits.slowPeerTimeout); // 100 ms

describe('slow-peer rule', () => {
  it('ticks an eighth of the timeout, between 1 ms and 1 s', () => {
    expect([slowPeerTick(800), slowPeerTick(30_000), slowPeerTick(4)]).toEqual([100, 1000, 1]);
  });

  it('judges a peer slow after slowPeerTimeout of on-time ticks in which it took less than writeHighWaterBytes', () => {
    const period = new SlowPeerPeriod(limits, 0);
    const verdicts = [...Array(8)].map((_, i) => period.look(tick, { queued: 5000, taken: 100 * i }));
    expect(verdicts).toEqual([...Array(7).fill('waiting'), 'slow']);
    expect(period.watchedMs).toBe(800);
  });

  it('does not count a tick that fired more than one tick late (the event loop was blocked)', () => {
    const period = new SlowPeerPeriod(limits, 0);
    expect(period.look(10 * limits.slowPeerTimeout, { queued: 5000, taken: 0 })).toBe('waiting');
    expect(period.look(2 * tick + 1, { queued: 5000, taken: 0 })).toBe('waiting');
    expect(period.watchedMs).toBe(0);
    for (let i = 0; i < 7; i++) expect(period.look(tick, { queued: 5000, taken: 0 })).toBe('waiting');
    expect(period.look(tick, { queued: 5000, taken: 0 })).toBe('slow');
  });

  it('starts a new period when the peer took writeHighWaterBytes, and ends under the mark', () => {
    const period = new SlowPeerPeriod(limits, 0);
    for (let i = 0; i < 7; i++) period.look(tick, { queued: 5000, taken: 0 });
    expect(period.look(tick, { queued: 5000, taken: 1000 })).toBe('reading');
    expect(period.watchedMs).toBe(0);
    for (let i = 0; i < 7; i++) expect(period.look(tick, { queued: 5000, taken: 1500 })).toBe('waiting');
    expect(period.look(tick, { queued: 5000, taken: 1999 })).toBe('slow');
    expect(new SlowPeerPeriod(limits, 0).look(tick, { queued: 1000, taken: 0 })).toBe('under');
  });
});
