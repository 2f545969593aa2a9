import { describe, expect, it } from 'vitest';
import { MeshSocket } from '@p2p/mesh';
import { expectReleased, nextEvent, openHandles, waitFor } from '@p2p/testnet';
import { nextMessage } from './helpers';

// Its own file, so its process holds nothing from other tests when it takes the snapshot.
describe('close()', () => {
  it('is idempotent, emits close, and leaves no sockets or timers behind', async () => {
    const before = openHandles();
    const a = await MeshSocket.listen();
    const b = await MeshSocket.listen();
    const c = await MeshSocket.listen();
    await b.connect(...a.outAddr);
    await c.connect(...b.outAddr);
    await waitFor(() => a.peers.size >= 1 && c.peers.size >= 1);
    const got = nextMessage(c);
    a.send(['bye']);
    await got;
    expect(openHandles().sockets).toBeGreaterThan(before.sockets);
    const closeEvent = nextEvent(a, 'close');
    await Promise.all([a.close(), a.close(), b.close(), c.close()]);
    await closeEvent;
    await a.close();
    // Sockets and servers exactly as before; timers may only have gone (the runner's own can end).
    await expectReleased(before);
  });
});
