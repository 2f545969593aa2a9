// The event loop's load since a mark, as the hedge of a read sees it (loop-load.ts).
import { describe, expect, it } from 'vitest';
import { loopLoadSince } from '../src/loop-load';

describe('loopLoadSince', () => {
  it('tells a loop busy running code from one waiting idle', async () => {
    const busy = loopLoadSince()!;
    expect(busy).toBeTypeOf('function');
    const until = performance.now() + 30;
    while (performance.now() < until) {
      // spin: the loop runs code the whole time
    }
    expect(busy()).toBeGreaterThan(0.9);
    const idle = loopLoadSince()!;
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(idle()).toBeLessThan(0.5);
  });
});
