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

/** One version of a key: its metadata and the exact msgpack of its value. */
export interface Version extends SyncMeta {
  readonly raw: Uint8Array;
}

/**
 * The join-replay rule (our F16 improvement): does `incoming` supersede `held`?
 *
 * The two writes are put in timestamp order and the lease rules are applied as if they had
 * arrived in that order: the later write wins exactly when `allowed()` would have accepted it
 * on top of the earlier one (same owner; the earlier one lapsed by `now`; or leasing off).
 * Same second, different owners: the byte-wise smaller owner wins (rule 5). Same owner and
 * same second with different values (only possible across a partition): the byte-wise larger
 * value wins, an arbitrary but deterministic choice. Identical versions never supersede.
 */
export function supersedes(incoming: Version, held: Version, options: { leasing: boolean; now: number }): boolean {
  if (incoming.owner === held.owner) {
    if (incoming.timestamp !== held.timestamp) return incoming.timestamp > held.timestamp;
    return compareBytes(incoming.raw, held.raw) > 0;
  }
  if (incoming.timestamp === held.timestamp) return compareOwners(incoming.owner, held.owner) < 0;
  const incomingIsLater = incoming.timestamp > held.timestamp;
  const earlier = incomingIsLater ? held : incoming;
  const laterAllowed = !options.leasing || earlier.timestamp < options.now - LEASE_SECONDS;
  return laterAllowed === incomingIsLater;
}
