/** The waterfall's id store against a plain Map model: order, bound, eviction batches, pruning, collisions. */
import { describe, expect, it } from 'vitest';
import { ID_BYTES, IdTable } from '../src/id-table';

/** A deterministic generator (the test must not depend on Math.random). */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s;
  };
}

/** Id `n`; with `sharedPrefix`, every id has the same first 8 bytes (one hash: one long probe chain). */
function id(n: number, sharedPrefix = false): Uint8Array {
  const b = new Uint8Array(ID_BYTES);
  const v = new DataView(b.buffer);
  if (!sharedPrefix) v.setUint32(0, Math.imul(n, 2654435761) >>> 0);
  v.setUint32(28, n);
  return b;
}

/** The same rules on a Map: insertion order, a known id keeps its place, `batch` oldest evicted when full. */
class Model {
  readonly map = new Map<number, number>();
  constructor(readonly max: number, readonly batch: number) {}
  set(n: number, value: number): number {
    if (this.map.has(n)) {
      this.map.set(n, value);
      return 0;
    }
    let evicted = 0;
    if (this.map.size >= this.max) {
      const drop = Math.min(this.map.size, this.batch);
      for (const key of [...this.map.keys()].slice(0, drop)) this.map.delete(key);
      evicted = drop;
    }
    this.map.set(n, value);
    return evicted;
  }
  dropAtMost(limit: number): number {
    let n = 0;
    for (const [key, value] of this.map) if (value <= limit) (this.map.delete(key), n++);
    return n;
  }
}

function check(table: IdTable, model: Model, universe: number, shared: boolean): void {
  expect(table.size).toBe(model.map.size);
  // hasAt reads the id in place, at an odd offset of a larger array (as a frame's checksum in a chunk).
  const framed = new Uint8Array(3 + 32 + 5);
  for (let n = 0; n < universe; n++) {
    expect(table.get(id(n, shared))).toBe(model.map.get(n));
    framed.set(id(n, shared), 3);
    expect(table.hasAt(framed, 3)).toBe(model.map.has(n));
  }
}

describe('IdTable', () => {
  for (const shared of [false, true]) {
    it(`matches a Map model under random sets, evictions and prunes${shared ? ' (every id in one probe chain)' : ''}`, () => {
      const rnd = lcg(shared ? 7 : 42);
      const universe = shared ? 300 : 3000;
      const max = shared ? 100 : 1000;
      const table = new IdTable(max, 13);
      const model = new Model(max, 13);
      for (let step = 0; step < (shared ? 3000 : 30_000); step++) {
        const r = rnd() % 100;
        if (r < 97) {
          const n = rnd() % universe;
          const value = rnd() % 1000;
          expect(table.set(id(n, shared), value)).toBe(model.set(n, value));
        } else {
          const limit = rnd() % 300;
          expect(table.dropAtMost(limit)).toBe(model.dropAtMost(limit));
        }
        if (step % 997 === 0) check(table, model, universe, shared);
      }
      check(table, model, universe, shared);
      // Oldest first: once full, each new id evicts the model's 13 oldest (evicting everything shows the order).
      const order = [...model.map.keys()];
      let fresh = universe;
      for (let i = 0; i < order.length; i += 13) {
        while (table.size < max) expect(table.set(id(fresh++, shared), 0)).toBe(0);
        expect(table.set(id(fresh++, shared), 0)).toBe(13);
        for (const gone of order.slice(i, i + 13)) expect(table.has(id(gone, shared))).toBe(false);
        if (i + 13 < order.length) expect(table.has(id(order[i + 13]!, shared))).toBe(true);
      }
    });
  }

  it('starts small, grows to its bound and no further, and clear() lets go of it all', () => {
    const table = new IdTable(100_000, 12_501);
    for (let n = 0; n < 150_000; n++) table.set(id(n), n);
    expect(table.size).toBeLessThanOrEqual(100_000);
    expect(table.has(id(149_999))).toBe(true);
    expect(table.has(id(0))).toBe(false);
    table.clear();
    expect(table.size).toBe(0);
    expect(table.has(id(149_999))).toBe(false);
    table.set(id(1), 1);
    expect(table.get(id(1))).toBe(1);
  });
});
