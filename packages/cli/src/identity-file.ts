/** Identity files for `--identity` and `p2p identity`: load one, or create it when missing. */
import { existsSync } from 'node:fs';
import { Identity } from '@p2p/base';

/** The default file of `p2p identity` with no argument, in the current directory. */
export const DEFAULT_IDENTITY_FILE = 'p2p.identity';

/**
 * Loads the identity in `path`, or generates one and saves it there (owner-only, mode 0600).
 * @throws IdentityError (`IDENTITY_INVALID`) for a file that does not parse, was tampered with or
 * is readable by others, and for one that cannot be written.
 */
export function openIdentity(path: string): { identity: Identity; created: boolean } {
  const created = !existsSync(path);
  return { identity: Identity.loadOrCreate(path), created };
}
