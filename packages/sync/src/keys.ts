/**
 * Sync keys are bytes (PROTOCOL.md 5.2): text keys are their UTF-8, so `'测试'` and its UTF-8
 * bytes name the same entry. Internally entries are indexed by the lowercase hex of the bytes.
 */
import { toHex, type KeyInput } from '@p2p/base';

/** What the API accepts as a key (base's `KeyInput`). */
export type SyncKey = KeyInput;

/** The index of a key's bytes. */
export function keyId(bytes: Uint8Array): string {
  return toHex(bytes);
}
