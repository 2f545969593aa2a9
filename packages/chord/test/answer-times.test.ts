import { describe, expect, it } from 'vitest';
import { AnswerTimes, HEDGE_INITIAL_MS, HEDGE_MAX_MS, HEDGE_MIN_MS, clampHedge } from '../src/answer-times';

describe('AnswerTimes: the hedge delay from observed answer times (RFC 6298 style)', () => {
  it('starts at the initial delay, then follows smoothed time plus four deviations, clamped', () => {
    const t = new AnswerTimes();
    expect(t.hedgeDelay()).toBe(HEDGE_INITIAL_MS);
    t.observe(20);
    // First sample: smoothed 20, deviation 10.
    expect(t.smoothed).toBe(20);
    expect(t.hedgeDelay()).toBe(60);
    for (let i = 0; i < 200; i++) t.observe(20);
    // Steady answers: the deviation decays, the delay approaches the answer time.
    expect(t.hedgeDelay()).toBeGreaterThanOrEqual(20);
    expect(t.hedgeDelay()).toBeLessThan(21);
  });

  it('jittery answers raise the delay; it never leaves [min, max]', () => {
    const t = new AnswerTimes();
    for (let i = 0; i < 100; i++) t.observe(i % 2 === 0 ? 5 : 45);
    expect(t.hedgeDelay()).toBeGreaterThan(45);
    for (let i = 0; i < 100; i++) t.observe(10_000);
    expect(t.hedgeDelay()).toBe(HEDGE_MAX_MS);
    const fast = new AnswerTimes();
    for (let i = 0; i < 100; i++) fast.observe(0);
    expect(fast.hedgeDelay()).toBe(HEDGE_MIN_MS);
    expect(clampHedge(1)).toBe(HEDGE_MIN_MS);
    expect(clampHedge(1e9)).toBe(HEDGE_MAX_MS);
  });

  it('ignores impossible samples (negative: a clock step; NaN)', () => {
    const t = new AnswerTimes();
    t.observe(-5);
    t.observe(Number.NaN);
    t.observe(Number.POSITIVE_INFINITY);
    expect(t.smoothed).toBeUndefined();
  });
});
