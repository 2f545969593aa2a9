// A small harness for real TLS on 127.0.0.1 (@p2p/test-kit's, plus plain TCP servers): what it
// hands out is closed by `close()`, so every test leaves nothing running.
import * as net from 'node:net';
import { isP2PError, type P2PError } from '@p2p/base';
import { TransportHarness } from '@p2p/test-kit';

export { closed, readBytes, socketClosed, waitFor, type ListenerProbe } from '@p2p/test-kit';

export class Harness extends TransportHarness {
  /** A plain TCP server; `onSocket` decides what it does with each client. */
  rawServer(onSocket: (socket: net.Socket) => void): Promise<number> {
    const server = net.createServer((s) => {
      this.track(s);
      s.on('error', () => {});
      onSocket(s);
    });
    this.defer(() => new Promise((r) => server.close(r)));
    return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port)));
  }
}

/** The P2PError `p` rejects with; anything else it throws is rethrown, a resolve is a failure. */
export async function rejection(p: Promise<unknown>): Promise<P2PError> {
  try {
    await p;
  } catch (err) {
    if (isP2PError(err)) return err;
    throw err;
  }
  throw new Error('expected a rejection');
}
