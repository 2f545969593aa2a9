/** The five hash tables of a storing node (PROTOCOL.md 6.1): method -> ring key -> entry. */
import { HASH_METHODS, type HashMethod } from './hashing';
import { RingKeyMap } from './ring-key-map';

/** One stored value, with its msgpack bytes as received so re-sends do not drift (PROTOCOL.md 1.5). */
export interface Entry {
  readonly value: unknown;
  readonly raw: Uint8Array;
}

export class HashTables {
  readonly #tables = new Map<HashMethod, RingKeyMap<Entry>>(HASH_METHODS.map((m) => [m, new RingKeyMap()]));

  get(method: HashMethod, k: bigint): Entry | undefined {
    return this.#tables.get(method)!.get(k);
  }

  has(method: HashMethod, k: bigint): boolean {
    return this.#tables.get(method)!.has(k);
  }

  set(method: HashMethod, k: bigint, entry: Entry): void {
    this.#tables.get(method)!.set(k, entry);
  }

  delete(method: HashMethod, k: bigint): boolean {
    return this.#tables.get(method)!.delete(k);
  }

  /** A snapshot, safe to iterate while changing the tables. */
  snapshot(): Array<[HashMethod, bigint, Entry]> {
    const out: Array<[HashMethod, bigint, Entry]> = [];
    for (const [method, table] of this.#tables) for (const [k, entry] of table) out.push([method, k, entry]);
    return out;
  }

  table(method: HashMethod): Pick<RingKeyMap<Entry>, 'get' | 'has' | 'size' | 'entries' | 'keys' | 'values'> {
    return this.#tables.get(method)!;
  }

  get size(): number {
    let n = 0;
    for (const table of this.#tables.values()) n += table.size;
    return n;
  }

  clear(): void {
    for (const table of this.#tables.values()) table.clear();
  }
}
