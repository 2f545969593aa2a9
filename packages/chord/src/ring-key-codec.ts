/**
 * Ring keys on the wire are base58 text of a 384- or 512-bit integer (PROTOCOL.md 6.4), and
 * turning one into the other costs microseconds of bigint arithmetic. The same keys travel again
 * and again (a store, its backup, every read of it, the retrieved echo), so a node remembers
 * both directions in two bounded caches (oldest forgotten first).
 */
import { base58EncodeInt, utf8Encode } from '@p2p/base';
import { parseRingKey } from './payloads';
import { mixRingKey } from './ring-key-map';

/** Entries per cache. */
export const RING_KEY_CACHE_SIZE = 8192;

export class RingKeyCodec {
  readonly #encoded = new Map<bigint, { readonly text: string; readonly bytes: Uint8Array }>();
  readonly #decoded = new Map<string, bigint | null>();

  /** The wire form of ring key `k`: base58 of the integer as text, and as bytes (shared: never modify them). */
  encode(k: bigint): { readonly text: string; readonly bytes: Uint8Array } {
    const mixed = mixRingKey(k);
    const known = this.#encoded.get(mixed);
    if (known) return known;
    const text = base58EncodeInt(k);
    return remember(this.#encoded, mixed, { text, bytes: utf8Encode(text) });
  }

  /** The ring key of base58 `text`; undefined for text outside the alphabet or absurd lengths. */
  parse(text: string): bigint | undefined {
    const known = this.#decoded.get(text);
    if (known !== undefined) return known ?? undefined;
    return remember(this.#decoded, text, parseRingKey(text) ?? null) ?? undefined;
  }
}

function remember<K, V>(cache: Map<K, V>, key: K, value: V): V {
  if (cache.size >= RING_KEY_CACHE_SIZE) cache.delete(cache.keys().next().value as K);
  cache.set(key, value);
  return value;
}
