/** Pure parts of convergence: deletes as versions, the tombstone table, checkpoints, TS-only messages. */
import { describe, expect, it } from 'vitest';
import { encodeMsgpack, utf8Encode } from '@p2p/base';
import { Checkpoints } from '../src/checkpoints';
import { MAX_FUTURE_SECONDS, allowedAfterDelete, isFutureDated, supersedes, type Version } from '../src/lease';
import { DELETED_SUBFLAG, SESSION_SUBFLAG, parseDeleted, parseSession } from '../src/session-messages';
import { Tombstones } from '../src/tombstones';
import { RAW_ID } from './helpers';

const NOW = 1_800_000_000;
const value = (owner: string, timestamp: number, v: unknown = 1): Version => ({ owner, timestamp, raw: encodeMsgpack(v) });
const deleted = (owner: string, timestamp: number): Version => ({ owner, timestamp, raw: undefined });
const key = utf8Encode('k');

describe('supersedes() with deletes', () => {
  const both = (x: Version, y: Version, leasing: boolean) => [supersedes(x, y, { leasing, now: NOW }), supersedes(y, x, { leasing, now: NOW })];

  it('stays antisymmetric with deletes among the versions', () => {
    const versions = [value('A', NOW - 5), deleted('A', NOW - 5), deleted('A', NOW), value('B', NOW), deleted('B', NOW - 2), deleted('B', NOW - 4000), value('A', NOW - 4001)];
    for (const leasing of [true, false]) {
      for (const x of versions) {
        for (const y of versions) {
          if (x === y) continue;
          expect(both(x, y, leasing)).toSatisfy(([xy, yx]: boolean[]) => xy !== yx);
        }
      }
    }
    expect(both(deleted('A', NOW), deleted('A', NOW), true)).toEqual([false, false]);
  });

  it('a later delete beats an older value; an older delete loses to a later value (leasing off)', () => {
    expect(both(deleted('A', NOW), value('B', NOW - 5), false)).toEqual([true, false]);
    expect(both(deleted('A', NOW - 5), value('B', NOW), false)).toEqual([false, true]);
  });

  it('a delete holds no lease: any later write wins over it (leasing on)', () => {
    expect(both(value('B', NOW), deleted('A', NOW - 5), true)).toEqual([true, false]);
    // A delete of another owner's live lease loses, as the write it is.
    expect(both(deleted('A', NOW), value('B', NOW - 5), true)).toEqual([false, true]);
    expect(both(deleted('A', NOW), value('A', NOW - 5), true)).toEqual([true, false]);
  });

  it('same owner, same second: the delete wins', () => {
    expect(both(deleted('A', NOW), value('A', NOW), true)).toEqual([true, false]);
    expect(both(deleted('A', NOW), value('A', NOW), false)).toEqual([true, false]);
  });
});

describe('allowedAfterDelete() and future dates', () => {
  it('newer writes replace a delete, older ones do not; same second: own write or smaller owner', () => {
    expect(allowedAfterDelete({ owner: 'B', timestamp: NOW }, { owner: 'C', timestamp: NOW + 1 })).toBe(true);
    expect(allowedAfterDelete({ owner: 'B', timestamp: NOW }, { owner: 'A', timestamp: NOW - 1 })).toBe(false);
    expect(allowedAfterDelete({ owner: 'B', timestamp: NOW }, { owner: 'B', timestamp: NOW })).toBe(true);
    expect(allowedAfterDelete({ owner: 'B', timestamp: NOW }, { owner: 'A', timestamp: NOW })).toBe(true);
    expect(allowedAfterDelete({ owner: 'B', timestamp: NOW }, { owner: 'C', timestamp: NOW })).toBe(false);
  });

  it('a minute ahead is accepted, more is refused', () => {
    expect(isFutureDated(NOW + MAX_FUTURE_SECONDS, NOW)).toBe(false);
    expect(isFutureDated(NOW + MAX_FUTURE_SECONDS + 1, NOW)).toBe(true);
    expect(isFutureDated(NOW + 10 * 365 * 86400, NOW)).toBe(true);
  });
});

describe('Tombstones', () => {
  const t = (timestamp: number, seq: number) => ({ key, owner: 'A', timestamp, seq });

  it('forgets deletes past the keep period', () => {
    const table = new Tombstones({ keepSeconds: 100, maxCount: 10 });
    table.set('a', t(NOW - 50, 1), NOW);
    expect(table.get('a', NOW)).toMatchObject({ timestamp: NOW - 50 });
    expect(table.get('a', NOW + 51)).toBeUndefined();
    expect(table.size).toBe(0);
  });

  it('is bounded: the oldest recorded goes first, and evictions are counted', () => {
    const table = new Tombstones({ keepSeconds: 1000, maxCount: 3 });
    for (let i = 0; i < 5; i++) table.set(`k${i}`, t(NOW, i + 1), NOW);
    expect(table.size).toBe(3);
    expect(table.evicted).toBe(2);
    expect(table.get('k0', NOW)).toBeUndefined();
    expect([...table.changedSince(3, NOW)].map((x) => x.seq)).toEqual([4, 5]);
    expect(new Tombstones({ keepSeconds: 1, maxCount: 0 }).size).toBe(0);
  });

  it('past a larger cap forgets the oldest eighth at once, each counted', () => {
    const table = new Tombstones({ keepSeconds: 1000, maxCount: 16 });
    for (let i = 0; i <= 16; i++) table.set(`k${i}`, t(NOW, i + 1), NOW);
    expect(table.size).toBe(14);
    expect(table.evicted).toBe(3);
    expect(table.get('k2', NOW)).toBeUndefined();
    expect(table.get('k3', NOW)).toMatchObject({ seq: 4 });
  });
});

describe('Checkpoints', () => {
  it('replays from a confirmed counter only for the same epoch; never moves back; bounded', () => {
    const c = new Checkpoints(2);
    expect(c.replayFrom('p', 'e1')).toBe(-1);
    c.confirm('p', 'e1', 10);
    c.confirm('p', 'e1', 5);
    expect(c.replayFrom('p', 'e1')).toBe(10);
    expect(c.replayFrom('p', 'e2')).toBe(-1);
    expect(c.replayFrom('p', undefined)).toBe(-1);
    c.confirm('q', 'e', 1);
    c.confirm('r', 'e', 1);
    expect(c.get('p')).toBeUndefined();
  });
});

describe('TS-only messages', () => {
  it('use sub-flags py2p ignores (reserved range, not chord 0x2f)', () => {
    expect([DELETED_SUBFLAG, SESSION_SUBFLAG]).toEqual([0x2e, 0x2d]);
  });
  it('parse deleted and session messages, refusing anything else', () => {
    expect(parseDeleted([DELETED_SUBFLAG, key, utf8Encode(RAW_ID), NOW])).toMatchObject({ kind: 'deleted', owner: RAW_ID, timestamp: NOW });
    expect(parseDeleted([DELETED_SUBFLAG, key, utf8Encode('not an id 0OIl'), NOW]).kind).toBe('malformed');
    expect(parseDeleted([DELETED_SUBFLAG, key, utf8Encode(RAW_ID)]).kind).toBe('malformed');
    expect(parseSession([SESSION_SUBFLAG, 0, new Uint8Array(8)]).kind).toBe('hello');
    expect(parseSession([SESSION_SUBFLAG, 1, 7])).toEqual({ kind: 'mark', seq: 7 });
    expect(parseSession([SESSION_SUBFLAG, 2, 7, new Uint8Array(8)]).kind).toBe('ack');
    expect(parseSession([SESSION_SUBFLAG, 0, new Uint8Array(7)]).kind).toBe('malformed');
    expect(parseSession([SESSION_SUBFLAG, 1, -1]).kind).toBe('malformed');
    expect(parseSession([SESSION_SUBFLAG, 9]).kind).toBe('malformed');
  });
});
