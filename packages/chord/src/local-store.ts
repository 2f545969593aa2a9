/**
 * What this node keeps: its five hash tables (PROTOCOL.md 6.1), backup copies for the storing
 * node directly ahead (TS-only, see BACKUP_SUBFLAG), and the registry of user keys heard of
 * through notify, with each key's five ring positions so repair can find a slot's siblings.
 * Those positions cost five digests per key, and every node hears every key: they are computed
 * only when repair first asks (`keyAt`), for all keys heard of since, not per notify.
 */
import { LimitExceededError, bytesEqual, toHex, type P2PError } from '@p2p/base';
import { HASH_METHODS, distance, getHashes, type HashMethod } from './hashing';
import { RingKeyMap } from './ring-key-map';
import { HashTables, type Entry } from './tables';

/** Where the key registry reports. */
export interface KeyEvents {
  readonly closed: boolean;
  /** Emits `event` with a copy of `key` (made only when someone listens). */
  emitKey(event: 'add' | 'delete', key: Uint8Array): void;
  reportError(error: P2PError): void;
}

export class LocalStore {
  readonly tables = new HashTables();
  /** Backup copies of entries our successor is responsible for; not served to reads. */
  readonly backups = new HashTables();
  readonly #maxKeys: number;
  readonly #events: KeyEvents;
  /** Known user keys (from notify), by hex. */
  readonly #keys = new Map<string, Uint8Array>();
  /** Ring positions of known keys, per table: ring key -> key hex. */
  readonly #slotIndex = new Map<HashMethod, RingKeyMap<string>>(HASH_METHODS.map((m) => [m, new RingKeyMap()]));
  /** Known keys not in `#slotIndex` yet (a subset of `#keys`), by hex. */
  readonly #unindexed = new Map<string, Uint8Array>();
  #refusedKeys = 0;

  constructor(maxKeys: number, events: KeyEvents) {
    this.#maxKeys = maxKeys;
    this.#events = events;
  }

  // ---------------------------------------------------------------- key registry

  hasKey(key: Uint8Array): boolean {
    return this.#keys.has(toHex(key));
  }

  /** Known keys, as the registry's own copies (callers copy before handing them out). */
  keys(): Uint8Array[] {
    return [...this.#keys.values()];
  }

  /**
   * Remembers `key` (a copy; `local` ones, from this node's writes, emit `add`). Returns the copy;
   * undefined when it was known already or the registry is full (reported as `LIMIT_EXCEEDED`).
   */
  addKey(key: Uint8Array, local: boolean): Uint8Array | undefined {
    const hex = toHex(key);
    if (this.#keys.has(hex)) return undefined;
    if (this.#keys.size >= this.#maxKeys) {
      this.#refusedKeys++;
      this.#events.reportError(new LimitExceededError(`more than ${this.#maxKeys} keys announced; key not remembered`, { details: { refused: this.#refusedKeys } }));
      return undefined;
    }
    const copy = key.slice();
    this.#keys.set(hex, copy);
    this.#unindexed.set(hex, copy);
    if (local) this.#events.emitKey('add', copy);
    return copy;
  }

  /** Forgets `key` and emits `delete` (unless closed); returns the registry's copy, or undefined when it was not known. */
  removeKey(key: Uint8Array): Uint8Array | undefined {
    const hex = toHex(key);
    const known = this.#keys.get(hex);
    if (!known) return undefined;
    this.#keys.delete(hex);
    if (!this.#unindexed.delete(hex)) {
      const hashes = getHashes(known);
      HASH_METHODS.forEach((m, i) => this.#slotIndex.get(m)!.delete(hashes[i]!));
    }
    if (!this.#events.closed) this.#events.emitKey('delete', known);
    return known;
  }

  /** The user key whose `method` hash is `k`, when known. */
  keyAt(method: HashMethod, k: bigint): Uint8Array | undefined {
    if (this.#unindexed.size > 0) this.#index();
    const hex = this.#slotIndex.get(method)!.get(k);
    return hex === undefined ? undefined : this.#keys.get(hex);
  }

  /** Files the ring positions of every key heard of since the last call. */
  #index(): void {
    for (const [hex, key] of this.#unindexed) {
      const hashes = getHashes(key);
      HASH_METHODS.forEach((m, i) => this.#slotIndex.get(m)!.set(hashes[i]!, hex));
    }
    this.#unindexed.clear();
  }

  // ---------------------------------------------------------------- tables

  /**
   * Applies a write this node is responsible for; returns what the backup at the node behind
   * must learn (`null` for a delete, the entry for a change), or undefined when nothing changed.
   */
  apply(method: HashMethod, k: bigint, entry: Entry | null): Entry | null | undefined {
    if (entry === null) {
      const deleted = this.tables.delete(method, k);
      this.backups.delete(method, k);
      return deleted ? null : undefined;
    }
    if (sameEntry(this.tables.get(method, k), entry)) return undefined;
    // Keep the existing object for identical bytes, so replica repair sees nothing new.
    this.tables.set(method, k, entry);
    this.backups.delete(method, k);
    return entry;
  }

  /** Entries closer to `start` than to `end`, per table: what a handoff to `start` would move. */
  dumpData(start: bigint, end: bigint): Record<HashMethod, Map<bigint, unknown>> {
    const out = Object.fromEntries(HASH_METHODS.map((m) => [m, new Map<bigint, unknown>()])) as Record<HashMethod, Map<bigint, unknown>>;
    for (const [method, k, entry] of this.tables.snapshot()) {
      if (distance(start, k) < distance(end, k)) out[method].set(k, entry.value);
    }
    return out;
  }
}

function sameEntry(a: Entry | undefined, b: Entry): boolean {
  return a !== undefined && bytesEqual(a.raw, b.raw);
}
