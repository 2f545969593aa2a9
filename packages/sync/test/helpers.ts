/** Shared test helpers: sync nodes with cleanup, a settable clock, raw-peer reads, fixtures. */
import { afterEach } from 'vitest';
import type { Clock, P2PError, WireMessage } from '@p2p/base';
import { closeAfterEach, nextEvent, readVector, typedVector, waitFor, type RawPeer } from '@p2p/testnet';
import { SyncSocket, type SyncSocketOptions } from '@p2p/sync';

/** Registers anything closable for teardown after the current test. */
export const track = closeAfterEach(afterEach);

/** A listening SyncSocket on 127.0.0.1:0, closed after the test. */
export async function syncNode(options: SyncSocketOptions = {}): Promise<SyncSocket> {
  return track(await SyncSocket.listen(options));
}

/** The next `error` event of `socket` with `code`. */
export async function nextError(socket: SyncSocket, code: string, timeout = 5000): Promise<P2PError> {
  const [e] = await nextEvent<[P2PError]>(socket, 'error', { timeout, filter: (e) => e.code === code });
  return e;
}

/** A clock with real timers whose `now` can be shifted or frozen. */
export interface TestClock extends Clock {
  /** Shifts `now` by `ms` from the real time (unfreezes). */
  shift(ms: number): void;
  /** Pins `now` at `ms` since the epoch. */
  freeze(ms: number): void;
}

export function testClock(offsetMs = 0): TestClock {
  let offset = offsetMs;
  let frozen: number | undefined;
  return {
    now: () => frozen ?? Date.now() + offset,
    setTimeout: (fn, ms) => {
      const t = setTimeout(fn, ms);
      t.unref();
      return t;
    },
    clearTimeout: (t) => clearTimeout(t as NodeJS.Timeout),
    shift(ms) {
      frozen = undefined;
      offset = ms;
    },
    freeze(ms) {
      frozen = ms;
    },
  };
}

/** Reads one of the py2p golden vectors (tooling/testnet/vectors). */
export const fixture = <T = any>(name: string): T => readVector<T>(name);

/** Turns the vectors' typed JSON ({bin}, {int}, {map}) into msgpack-ready values. */
export const typed = typedVector;

export { RAW_ID, RawPeer } from '@p2p/testnet';

/** The next frame `peer` receives whose decoded message passes `pred` (the raw peer is @p2p/testnet's). */
export async function nextWire(peer: RawPeer, pred: (wire: WireMessage) => boolean, timeout?: number): Promise<WireMessage> {
  return (await peer.nextWhere((f) => pred(f.wire), timeout)).wire;
}

/** Text of a key's bytes. */
export const text = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);

/**
 * `b` (linked to `a` by `link`) gets 100 incompressible keys from `a`, leaves, both change the
 * dictionary while apart (a set, a delete, a key of `b`'s own), and `b` links again. Resolves
 * once both hold the changes, returning what `b` then received on its new link: the full replay
 * would be 100 x 500 bytes, the changes are a few keys.
 */
export async function reconnectAfterChanges(a: SyncSocket, b: SyncSocket, link: () => Promise<void>): Promise<number> {
  await link();
  // Incompressible values: links compress, and the byte counts must mean something.
  for (let i = 0; i < 100; i++) a.set(`k${i}`, globalThis.crypto.getRandomValues(new Uint8Array(500)));
  await waitFor(() => b.size === 100);
  // Marks go out each second while something changed; let one be acknowledged.
  await new Promise((resolve) => setTimeout(resolve, 1500));
  b.disconnect(a.id);
  await waitFor(() => !a.peers.has(b.id) && !b.peers.has(a.id));
  // A later second: two values of one owner in one second are a tie (README, "Convergence").
  await new Promise((resolve) => setTimeout(resolve, 1020 - (Date.now() % 1000)));
  a.set('k0', 'changed while apart');
  a.delete('k1');
  b.set('from-b', 1);
  await link();
  await waitFor(() => b.get('k0') === 'changed while apart' && !b.has('k1') && a.get('from-b') === 1);
  await new Promise((resolve) => setTimeout(resolve, 300));
  return b.peers.get(a.id)!.bytesReceived;
}
