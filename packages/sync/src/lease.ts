/**
 * The lease rules (PROTOCOL.md 5.2) and the join-replay convergence order built on them (F16).
 * Pure functions over metadata; `now` is the receiver's clock in whole seconds.
 */
import { compareBytes, utf8Encode } from '@p2p/base';

/** Who wrote a key last, and when (seconds since the epoch, from the writer's message). */
export interface SyncMeta {
  /** Base58 id of the node whose write set the value. */
  readonly owner: string;
  readonly timestamp: number;
}

/** How long a write keeps other nodes from changing the key (PROTOCOL.md 5.2, Appendix A). */
export const LEASE_SECONDS = 3600;

/** Byte-wise order of two owner ids (their UTF-8 text, as py2p compares bytes). */
export function compareOwners(a: string, b: string): number {
  if (a === b) return 0;
  return compareBytes(utf8Encode(a), utf8Encode(b));
}

/**
 * py2p's `allowed(key, new_meta, is_delta)`: may a write with `next` metadata replace a key whose
 * metadata is `existing`? True in any of the six cases of PROTOCOL.md 5.2.
 */
export function allowed(
  existing: SyncMeta | undefined,
  next: SyncMeta,
  options: { isDelta: boolean; leasing: boolean; now: number },
): boolean {
  if (existing === undefined) return true; // 1
  if (existing.owner === next.owner) return true; // 2
  if (options.isDelta && !options.leasing) return true; // 3
  if (existing.timestamp < options.now - LEASE_SECONDS) return true; // 4: lapsed
  if (existing.timestamp === next.timestamp && compareOwners(existing.owner, next.owner) > 0) return true; // 5
  if (existing.timestamp < next.timestamp && !options.leasing) return true; // 6
  return false;
}

/** One version of a key: its metadata and the exact msgpack of its value, or undefined for a delete. */
export interface Version extends SyncMeta {
  readonly raw: Uint8Array | undefined;
}

/**
 * How far ahead of the receiver's clock a write's timestamp may be. A write dated later is
 * refused (not clamped): a store dated years ahead would otherwise hold its lease and win every
 * comparison for that long.
 */
export const MAX_FUTURE_SECONDS = 60;

/** True when `timestamp` lies more than {@link MAX_FUTURE_SECONDS} past `now`. */
export function isFutureDated(timestamp: number, now: number): boolean {
  return timestamp > now + MAX_FUTURE_SECONDS;
}

/**
 * May a live write with `next` metadata replace a recorded delete? A delete holds no lease (py2p
 * forgets the metadata of a deleted key), so any newer write may; an older one is a write the
 * delete already undid. Same second: the same owner's write came after its own delete (its
 * messages arrive in order); otherwise the byte-wise smaller owner wins, as rule 5.
 */
export function allowedAfterDelete(deleted: SyncMeta, next: SyncMeta): boolean {
  if (next.timestamp !== deleted.timestamp) return next.timestamp > deleted.timestamp;
  return next.owner === deleted.owner || compareOwners(next.owner, deleted.owner) < 0;
}

/**
 * The join-replay rule (our F16 improvement): does `incoming` supersede `held`?
 *
 * The two writes are put in timestamp order and the lease rules are applied as if they had
 * arrived in that order: the later write wins exactly when `allowed()` would have accepted it
 * on top of the earlier one (same owner; the earlier one lapsed by `now`; or leasing off).
 * Same second, different owners: the byte-wise smaller owner wins (rule 5). Same owner and
 * same second with different values (only possible across a partition): a delete beats a value,
 * otherwise the byte-wise larger value wins, an arbitrary but deterministic choice. Identical
 * versions never supersede.
 *
 * Deletes (`raw` undefined) are versions too: a delete holds no lease, so whatever follows a
 * delete in time wins over it; a delete following a value wins as a write would.
 */
export function supersedes(incoming: Version, held: Version, options: { leasing: boolean; now: number }): boolean {
  if (incoming.owner === held.owner) {
    if (incoming.timestamp !== held.timestamp) return incoming.timestamp > held.timestamp;
    if (incoming.raw === undefined || held.raw === undefined) return incoming.raw === undefined && held.raw !== undefined;
    return compareBytes(incoming.raw, held.raw) > 0;
  }
  if (incoming.timestamp === held.timestamp) return compareOwners(incoming.owner, held.owner) < 0;
  const incomingIsLater = incoming.timestamp > held.timestamp;
  const earlier = incomingIsLater ? held : incoming;
  const laterAllowed = !options.leasing || earlier.raw === undefined || earlier.timestamp < options.now - LEASE_SECONDS;
  return laterAllowed === incomingIsLater;
}
