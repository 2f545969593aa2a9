/**
 * FIFO eviction for bounded `Map`s and `Set`s, amortised.
 *
 * Deleting the first key one insert at a time (`map.delete(map.keys().next().value)`) slows
 * down once a map is full: V8 keeps deleted entries as holes until it rehashes, and every new
 * iterator walks the holes from the front. At 100,000 entries that walk costs ~100 us per
 * insert. Deleting a batch of the oldest keys once the map is over its cap walks the holes once
 * per batch, so each insert pays a fraction of it.
 */

/** The part of `Map` and `Set` eviction needs. */
export interface Evictable<K> {
  readonly size: number;
  keys(): IterableIterator<K>;
  delete(key: K): boolean;
}

/** The default slack of {@link evictOldest}: an eighth of the cap. */
export function evictionSlack(max: number): number {
  return max >>> 3;
}

/**
 * When `map` holds more than `max` entries, deletes its oldest ones (insertion order) until it
 * holds `max - slack` (`slack` defaults to an eighth of `max`; 0 evicts exactly down to `max`).
 * The newest entry always stays when `max >= 1`. Returns how many entries it deleted (0 when
 * the map was within its cap), so a caller counting evictions adds the result.
 */
export function evictOldest<K>(map: Evictable<K>, max: number, slack = evictionSlack(max)): number {
  if (map.size <= max) return 0;
  const keep = Math.max(max - Math.max(0, Math.min(slack, max - 1)), 0);
  let left = map.size - keep;
  const deleted = left;
  for (const key of map.keys()) {
    map.delete(key);
    if (--left === 0) break;
  }
  return deleted;
}
