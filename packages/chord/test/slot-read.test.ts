/**
 * The read of one key against scripted tables (no sockets: the lookups are fakes, time is a
 * manual clock): which tables are asked first, when the others are asked, and that the
 * decisions of PROTOCOL.md 6.5 are unchanged by asking fewer tables first.
 */
import { describe, expect, it } from 'vitest';
import { encodeMsgpack, type Clock, type TimerHandle } from '@p2p/base';
import { HASH_METHODS } from '@p2p/chord';
import { QuorumRead } from '../src/quorum-read';
import { GET_RETRY_MS, HEDGE_BUSY_SHARE, SlotRead, type QuorumReadOptions, type ReadPolicy } from '../src/slot-read';
import type { LookupResult, RawOf } from '../src/lookups';

/** Timers run only when the test advances time. */
class ManualClock implements Clock {
  #now = 1_000_000;
  #timers = new Map<number, { at: number; fn: () => void }>();
  #next = 0;
  now(): number {
    return this.#now;
  }
  setTimeout(fn: () => void, ms: number): TimerHandle {
    const id = ++this.#next;
    this.#timers.set(id, { at: this.#now + ms, fn });
    return id;
  }
  clearTimeout(handle: TimerHandle): void {
    this.#timers.delete(handle as number);
  }
  /**
   * Moves time on by `ms`, running every timer due on the way, in order; a timer set meanwhile
   * for the very end waits for the next call (the next turn of the event loop).
   */
  advance(ms: number): void {
    const end = this.#now + ms;
    const existing = this.#next;
    for (;;) {
      const due = [...this.#timers]
        .filter(([id, t]) => t.at < end || (t.at === end && id <= existing))
        .sort((a, b) => a[1].at - b[1].at || a[0] - b[0])[0];
      if (!due) break;
      this.#timers.delete(due[0]);
      this.#now = Math.max(this.#now, due[1].at);
      due[1].fn();
    }
    this.#now = end;
  }
  /** Jumps time without running timers (the event loop was busy). */
  stall(ms: number): void {
    this.#now += ms;
  }
}

interface Script {
  /** Tables held by this node, with their values (null: an empty local table). */
  local?: Record<number, unknown>;
  /** The table throws when asked (its link is closing). */
  failing?: number[];
  hedge?: number;
  /** Whether a remote nil means an empty table (the default) or may precede the value. */
  nilIsFinal?: boolean;
  /** The share of the hedge's wait the event loop was busy (absent: no such figure). */
  busy?: number;
}

function harness(script: Script = {}) {
  const clock = new ManualClock();
  const asked: number[] = [];
  const waiting = new Map<number, (value: unknown, raw: RawOf) => void>();
  let released = 0;
  const options: QuorumReadOptions = {
    key: new Uint8Array([1]),
    timeout: 10_000,
    clock,
    lookup: (i, onAnswer): LookupResult => {
      asked.push(i);
      if (script.failing?.includes(i)) throw new Error('link closing');
      if (script.local && i in script.local) return { kind: 'local', value: script.local[i], entry: undefined };
      waiting.set(i, onAnswer);
      return { kind: 'remote', release: () => released++ };
    },
    isClosed: () => false,
    isLocal: (i) => script.local !== undefined && i in script.local,
    ...(script.hedge === undefined ? {} : { hedgeDelay: () => script.hedge! }),
    ...(script.nilIsFinal === undefined ? {} : { nilIsFinal: () => script.nilIsFinal! }),
    ...(script.busy === undefined ? {} : { loopLoad: () => () => script.busy! }),
  };
  const answer = (i: number, value: unknown): void => {
    const raw = value === null ? undefined : encodeMsgpack(value);
    waiting.get(i)!(value, () => raw);
  };
  return { clock, asked, answer, options, released: () => released };
}

/** Settles to `{ value }` or `{ code }`, or stays undefined while pending. */
function track(promise: Promise<unknown>): { result?: { value?: unknown; code?: string } } {
  const out: { result?: { value?: unknown; code?: string } } = {};
  promise.then(
    (value) => (out.result = { value }),
    (err: { code?: string }) => (out.result = { code: err.code }),
  );
  return out;
}

const flush = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('SlotRead: three tables first, the rest when needed (PROTOCOL.md 6.5)', () => {
  it('asks three tables first; three agreeing answers decide without asking the other two', async () => {
    const h = harness({ hedge: 50 });
    const out = track(new QuorumRead(h.options).run());
    expect(h.asked).toEqual([0, 1, 2]);
    for (const i of [0, 1, 2]) h.answer(i, { v: 1 });
    await flush();
    expect(out.result).toEqual({ value: { v: 1 } });
    h.clock.advance(1000);
    expect(h.asked).toEqual([0, 1, 2]);
    expect(h.released()).toBe(3);
  });

  it("asks this node's own tables first (they cost no message), then remote ones up to three", async () => {
    const h = harness({ hedge: 50, local: { 3: 'x', 4: 'x' } });
    const out = track(new QuorumRead(h.options).run());
    expect(h.asked).toEqual([3, 4, 0]);
    h.answer(0, 'x');
    await flush();
    expect(out.result).toEqual({ value: 'x' });
  });

  it('more than three local tables are all read (free); a local majority needs no message', async () => {
    const h = harness({ hedge: 50, local: { 0: 'x', 2: 'x', 3: 'x', 4: 'x' } });
    const out = track(new QuorumRead(h.options).run());
    expect(h.asked).toEqual([0, 2, 3, 4]);
    await flush();
    expect(out.result).toEqual({ value: 'x' });
  });

  it('a nil answer asks the other two at once (it may be a forwarder, or a replica not written yet)', () => {
    const h = harness({ hedge: 5000 });
    const out = track(new QuorumRead(h.options).run());
    h.answer(1, null);
    expect(h.asked).toEqual([0, 1, 2, 3, 4]);
    for (const i of [0, 3, 4]) h.answer(i, 'v');
    return flush().then(() => expect(out.result).toEqual({ value: 'v' }));
  });

  it('where a nil may be a forwarder\'s first reply, it counts as silence: the value that follows it decides, the hedge covers the rest', async () => {
    const h = harness({ hedge: 40, nilIsFinal: false });
    const out = track(new QuorumRead(h.options).run());
    h.answer(0, null);
    h.answer(1, 'v');
    h.answer(2, 'v');
    expect(h.asked).toEqual([0, 1, 2]);
    h.answer(0, 'v');
    await flush();
    expect(out.result).toEqual({ value: 'v' });

    const late = harness({ hedge: 40, nilIsFinal: false });
    track(new QuorumRead(late.options).run());
    late.answer(0, null);
    late.answer(1, 'v');
    late.answer(2, 'v');
    late.clock.advance(40);
    // Table 0 answered only nil so far: one more table is asked in its place.
    expect(late.asked).toEqual([0, 1, 2, 3]);
  });

  it('a disagreeing answer asks the other two at once, and the majority still wins', async () => {
    const h = harness({ hedge: 5000 });
    const out = track(new QuorumRead(h.options).run());
    h.answer(0, 'new');
    expect(h.asked).toEqual([0, 1, 2]);
    h.answer(1, 'old');
    expect(h.asked).toEqual([0, 1, 2, 3, 4]);
    for (const i of [2, 3]) h.answer(i, 'new');
    await flush();
    expect(out.result).toEqual({ value: 'new' });
  });

  it('an empty local table among the first three asks the rest at once', () => {
    const h = harness({ hedge: 5000, local: { 2: null } });
    track(new QuorumRead(h.options).run());
    expect(h.asked).toEqual([2, 0, 1, 3, 4]);
  });

  it('a retrieve that cannot go out counts as a nil: the rest are asked at once, it is asked again next round', async () => {
    const h = harness({ hedge: 5000, failing: [1] });
    const out = track(new QuorumRead(h.options).run());
    expect(h.asked).toEqual([0, 1, 2, 3, 4]);
    for (const i of [0, 2, 3]) h.answer(i, 7);
    await flush();
    expect(out.result).toEqual({ value: 7 });
  });

  it('after the hedge delay, one more table per silent one; then the last', async () => {
    const h = harness({ hedge: 40 });
    const out = track(new QuorumRead(h.options).run());
    h.answer(0, 'v');
    h.answer(1, 'v');
    h.clock.advance(39);
    expect(h.asked).toEqual([0, 1, 2]);
    h.clock.advance(1);
    // Table 2 is silent: one more table replaces it.
    expect(h.asked).toEqual([0, 1, 2, 3]);
    h.clock.advance(40);
    expect(h.asked).toEqual([0, 1, 2, 3, 4]);
    h.answer(4, 'v');
    await flush();
    expect(out.result).toEqual({ value: 'v' });
  });

  it('a hedge timer that fires late (this node was busy) first lets the event loop read what arrived', () => {
    const h = harness({ hedge: 40 });
    track(new QuorumRead(h.options).run());
    h.clock.stall(200);
    h.clock.advance(0);
    expect(h.asked).toEqual([0, 1, 2]);
    h.clock.advance(1);
    expect(h.asked).toEqual([0, 1, 2, 3, 4]);
  });

  it('a hedge whose wait found the event loop busy (its own work, a GC) waits one more delay, then asks', () => {
    const h = harness({ hedge: 40, busy: HEDGE_BUSY_SHARE });
    track(new QuorumRead(h.options).run());
    h.clock.advance(40);
    expect(h.asked).toEqual([0, 1, 2]);
    h.clock.advance(39);
    expect(h.asked).toEqual([0, 1, 2]);
    h.clock.advance(1);
    // Three silent tables, two left: both asked, once.
    expect(h.asked).toEqual([0, 1, 2, 3, 4]);
    // A loop mostly idle: the hedge asks on time.
    const idle = harness({ hedge: 40, busy: 0.5 });
    track(new QuorumRead(idle.options).run());
    idle.answer(0, 'v');
    idle.answer(1, 'v');
    idle.clock.advance(40);
    expect(idle.asked).toEqual([0, 1, 2, 3]);
  });

  it('the retry round asks every table not asked yet, and the nil ones again', () => {
    const h = harness({ hedge: 100_000 });
    track(new QuorumRead(h.options).run());
    h.clock.advance(GET_RETRY_MS);
    expect(h.asked).toEqual([0, 1, 2, 3, 4]);
  });

  it('without a hedge delay (or with 0) all five tables are asked at once, as py2p', () => {
    for (const hedge of [undefined, 0]) {
      const h = harness(hedge === undefined ? {} : { hedge });
      track(new QuorumRead(h.options).run());
      expect(h.asked).toEqual([0, 1, 2, 3, 4]);
    }
  });

  it('a policy that needs every answer (signed records) asks all five even with a hedge delay', () => {
    const h = harness({ hedge: 50 });
    const policy: ReadPolicy = { firstAsks: HASH_METHODS.length, record: () => undefined, retry: () => [], decide: () => undefined };
    track(new SlotRead(h.options, policy).run());
    expect(h.asked).toEqual([0, 1, 2, 3, 4]);
  });

  it('nil from every table still waits for the deadline (a nil is not final), then TIMEOUT', async () => {
    const h = harness({ hedge: 50 });
    const out = track(new QuorumRead(h.options).run());
    h.answer(0, null);
    for (const i of [1, 2, 3, 4]) h.answer(i, null);
    await flush();
    expect(out.result).toBeUndefined();
    h.clock.advance(10_000);
    await flush();
    expect(out.result).toEqual({ code: 'TIMEOUT' });
  });

  it('answers that cannot reach three agreeing end in NO_CONSENSUS', async () => {
    const h = harness({ hedge: 50 });
    const out = track(new QuorumRead(h.options).run());
    h.answer(0, 'a');
    h.answer(1, 'b');
    h.answer(2, 'c');
    h.answer(3, 'a');
    h.answer(4, 'b');
    await flush();
    expect(out.result).toEqual({ code: 'NO_CONSENSUS' });
  });
});
