/**
 * The local copy of the dictionary: live entries, recorded deletes, and a change counter that
 * orders every change this node applied (what a reconnecting peer is sent is "changed after its
 * checkpoint", see checkpoints.ts). Emits the `update` and `delete` events of PROTOCOL.md 5.5.
 */
import { decodeMsgpack } from '@p2p/base';
import type { SyncDelete, SyncUpdate } from './events';
import type { SyncMeta } from './lease';
import type { WriteProof } from './signed-writes';
import { Tombstones, type Tombstone } from './tombstones';

/** One stored key: its bytes, the msgpack of its value, the lease metadata, the change counter. */
export interface Entry extends SyncMeta {
  readonly key: Uint8Array;
  readonly raw: Uint8Array;
  readonly seq: number;
  /** In an authenticated subnet, the owner's signature of this version (replayed as it came). */
  readonly proof?: WriteProof;
}

/** A version to store: key, value, metadata, and its owner's proof in an authenticated subnet. */
export type StoredVersion = { key: Uint8Array; raw: Uint8Array; proof?: WriteProof } & SyncMeta;

/** What a key holds: a value, a recorded delete, or nothing. */
export type Held = Entry | Tombstone;

export interface StateEvents {
  /** Whether anyone listens to `update` (else the event, and decoding its value, is skipped). */
  wantsUpdates(): boolean;
  update(update: SyncUpdate): void;
  delete(event: SyncDelete): void;
}

export class SyncState {
  readonly data = new Map<string, Entry>();
  readonly tombstones: Tombstones;
  readonly #events: StateEvents;
  /** Counter of changes applied here (values and deletes); the last change's `seq`. */
  seq = 0;

  constructor(options: { keepSeconds: number; maxTombstones: number; events: StateEvents }) {
    this.tombstones = new Tombstones({ keepSeconds: options.keepSeconds, maxCount: options.maxTombstones });
    this.#events = options.events;
  }

  /** The entry or, when none is held, the live tombstone of `id`. */
  held(id: string, now: number): Held | undefined {
    return this.data.get(id) ?? this.tombstones.get(id, now);
  }

  /**
   * Stores a value (replacing a tombstone) and emits `update`. `value` is the decoded value when
   * the caller already holds an unshared copy of it (a received message's), else it is decoded.
   */
  put(id: string, version: StoredVersion, value?: unknown): Entry {
    const { key, raw, owner, timestamp, proof } = version;
    const seq = ++this.seq;
    const entry: Entry = proof === undefined ? { key, raw, owner, timestamp, seq } : { key, raw, owner, timestamp, seq, proof };
    this.tombstones.delete(id);
    // Re-inserting moves nothing: a Map keeps the original position of an existing key.
    this.data.set(id, entry);
    if (!this.#events.wantsUpdates()) return entry;
    this.#events.update({
      key: entry.key.slice(),
      value: value === undefined ? decodeMsgpack(entry.raw) : value,
      meta: Object.freeze({ owner: entry.owner, timestamp: entry.timestamp }),
    });
    return entry;
  }

  /** Records a delete with its metadata; removes the value and emits `delete` when one was held. */
  remove(id: string, key: Uint8Array, meta: SyncMeta & { proof?: WriteProof }, now: number): Tombstone {
    const { owner, timestamp, proof } = meta;
    const seq = ++this.seq;
    const tombstone: Tombstone = proof === undefined ? { key, owner, timestamp, seq } : { key, owner, timestamp, seq, proof };
    this.tombstones.set(id, tombstone, now);
    const entry = this.data.get(id);
    if (entry !== undefined) {
      this.data.delete(id);
      this.#events.delete({ key: entry.key.slice() });
    }
    return tombstone;
  }

  /** Entries changed after local change `seq`, in key order. */
  *entriesSince(seq: number): IterableIterator<Entry> {
    for (const entry of [...this.data.values()]) if (entry.seq > seq) yield entry;
  }
}

export function isTombstone(held: Held): held is Tombstone {
  return held.raw === undefined;
}
