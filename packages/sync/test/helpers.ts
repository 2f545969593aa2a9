/** Shared test helpers: sync nodes with cleanup, a settable clock, raw-peer reads, fixtures. */
import { afterEach } from 'vitest';
import type { Clock, P2PError, WireMessage } from '@p2p/base';
import { closeAfterEach, nextEvent, readVector, typedVector, type RawPeer } from '@p2p/testnet';
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
