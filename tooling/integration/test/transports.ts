/**
 * The transports every scenario runs over, and shared teardown. Importing `@p2p/ssl` registers
 * the TLS transport for the encryption name 'SSL'; 'Plaintext' (TCP) is built into @p2p/base.
 */
import '@p2p/ssl';
import { afterEach } from 'vitest';
import { Protocol, isP2PError, type P2PError } from '@p2p/base';
import { closeAfterEach, nextEvent } from '@p2p/testnet';

export type Encryption = 'Plaintext' | 'SSL';

/** `describe.each(TRANSPORTS)('... over %s', (encryption) => ...)` runs a suite once per transport. */
export const TRANSPORTS: readonly Encryption[] = ['Plaintext', 'SSL'];

/** The other transport: a node speaking it must not be able to join. */
export const other = (encryption: Encryption): Encryption => (encryption === 'SSL' ? 'Plaintext' : 'SSL');

/** `new Protocol(subnet, encryption)`: the encryption is part of the protocol id. */
export const protocol = (subnet: string, encryption: Encryption): Protocol => new Protocol(subnet, encryption);

/** Registers anything closable for teardown after the current test. */
export const track = closeAfterEach(afterEach);

/** The rejection of `promise` (fails the test when it resolves). */
export async function rejectionOf(promise: Promise<unknown>): Promise<P2PError> {
  try {
    await promise;
  } catch (err) {
    if (!isP2PError(err)) throw new Error(`expected a P2PError, got ${String(err)}`, { cause: err });
    return err;
  }
  throw new Error('expected a rejection, but the promise resolved');
}

/** The next `error` event of `emitter` passing `filter`. */
export async function nextError(
  emitter: { on(event: 'error', listener: (error: P2PError) => void): () => void },
  filter: (error: P2PError) => boolean,
  timeout = 5000,
): Promise<P2PError> {
  const [error] = await nextEvent<[P2PError]>(emitter, 'error', { timeout, filter });
  return error;
}
