// find(k)'s two forms (routing.ts): the sorted binary search picks exactly the candidate the
// linear scan of PROTOCOL.md 6.2 picks, ties and wrap-around included.
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { bytesToBigInt } from '@p2p/base';
import { RING_SIZE } from '@p2p/chord';
import { byPosition, closestBefore, closestBeforeSorted, type Positioned } from '../src/routing';

const randomId = (bytes = 48): bigint => bytesToBigInt(randomBytes(bytes));

describe('closestBeforeSorted', () => {
  it('picks what closestBefore picks, over random rings with duplicate ids, keys on them, next to them and beyond the ring', () => {
    for (let round = 0; round < 300; round++) {
      const size = 1 + (round % 24);
      const ids = Array.from({ length: size }, randomId);
      // Some candidates share an id (the first in order must win the tie).
      if (size > 2) ids[size - 1] = ids[round % (size - 1)]!;
      const self: Positioned<string> = { item: 'self', id: round % 3 === 0 ? ids[0]! : randomId() };
      const peers = ids.map((id, i) => ({ item: `peer-${i}`, id }));
      const keys = [0n, RING_SIZE - 1n, randomId(), randomId(64), ...ids.flatMap((id) => [id, id - 1n, id + 1n])];
      for (const withSelf of [true, false]) {
        const sorted = byPosition(withSelf ? [self, ...peers] : peers)!;
        for (const k of keys) {
          expect(closestBeforeSorted(sorted, k)).toBe(closestBefore(peers, k, withSelf ? self : undefined));
        }
      }
    }
  });

  it('has no answer without candidates, and leaves ids off the ring to the linear scan', () => {
    expect(closestBeforeSorted([], 5n)).toBeUndefined();
    expect(byPosition([{ item: 'a', id: RING_SIZE }])).toBeUndefined();
    expect(byPosition([{ item: 'a', id: -1n }])).toBeUndefined();
  });
});
