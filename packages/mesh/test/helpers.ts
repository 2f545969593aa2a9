/** Shared test helpers: node factory with cleanup, fixtures (the raw peer is @p2p/testnet's). */
import { afterEach } from 'vitest';
import type { Message, P2PError } from '@p2p/base';
import { MeshSocket, type MeshSocketOptions } from '@p2p/mesh';
import { closeAfterEach, nextEvent, readVector, typedVector } from '@p2p/testnet';

/** Registers anything closable for teardown after the current test. */
export const track = closeAfterEach(afterEach);

/** A listening MeshSocket on 127.0.0.1:0, closed after the test. */
export async function node(options: MeshSocketOptions = {}): Promise<MeshSocket> {
  return track(await MeshSocket.listen(options));
}

/** The next `message` event of `socket` (optionally the next one passing `filter`). */
export async function nextMessage(
  socket: MeshSocket,
  filter?: (m: Message) => boolean,
  timeout = 5000,
): Promise<Message> {
  const [m] = await nextEvent<[Message]>(socket, 'message', { timeout, filter: filter && ((m) => filter(m)) });
  return m;
}

/** The next `error` event of `socket` with `code`. */
export async function nextError(socket: MeshSocket, code: string, timeout = 5000): Promise<P2PError> {
  const [e] = await nextEvent<[P2PError]>(socket, 'error', { timeout, filter: (e) => e.code === code });
  return e;
}

/** Reads one of the py2p golden vectors (tooling/testnet/vectors). */
export const fixture = <T = any>(name: string): T => readVector<T>(name);

/** Turns the vectors' typed JSON ({bin}, {int}, {map}) into msgpack-ready values. */
export const typed = typedVector;

export { RawPeer, type RawFrame } from '@p2p/testnet';

/** A fake-ish clock: real timers, but `now` shifted by `offsetMs`. */
export function shiftedClock(offsetMs: number) {
  return {
    now: () => Date.now() + offsetMs,
    setTimeout: (fn: () => void, ms: number) => {
      const t = setTimeout(fn, ms);
      t.unref();
      return t;
    },
    clearTimeout: (t: unknown) => clearTimeout(t as NodeJS.Timeout),
  };
}
