import { describe, expect, it } from 'vitest';
import { MeshSocket, type PeerInfo } from '@p2p/mesh';
import type { P2PError } from '@p2p/base';
import { expectReleased, nextEvent, openHandles, waitFor } from '@p2p/testnet';

// Its own file, so its process holds nothing from other tests when it takes the snapshot.
describe('destroy()', () => {
  it('drops every connection at once, rejects pending calls with CLOSED, and leaves nothing behind', async () => {
    const before = openHandles();
    const a = await MeshSocket.listen();
    const b = await MeshSocket.listen();
    await b.connect(...a.outAddr);
    await waitFor(() => a.peers.size === 1);
    const dropped = nextEvent<[PeerInfo, P2PError | undefined]>(b, 'peer:disconnect');
    const c = await MeshSocket.listen();
    // A connect still waiting for its handshake rejects with CLOSED.
    const pending = a.connect(...c.outAddr).catch((e: P2PError) => e.code);
    const closeEvent = nextEvent(a, 'close');
    expect(a.peers.values().next().value?.state).toBe('open');
    await Promise.all([a.destroy(), a.destroy()]);
    await closeEvent;
    await a.close();
    expect(a.closed).toBe(true);
    await expect(a.connect(...b.outAddr)).rejects.toMatchObject({ code: 'CLOSED' });
    // The peer sees the link drop.
    const [peer] = await dropped;
    expect(peer.id).toBe(a.id);
    expect(peer.connection.state).toBe('closed');
    expect(await pending).toBe('CLOSED');
    await b.close();
    await c.close();
    // c's side of the aborted dial may take a tick to see it.
    await expectReleased(before);
  });

  it('cuts a close() in progress short', async () => {
    const a = await MeshSocket.listen();
    const b = await MeshSocket.listen();
    await b.connect(...a.outAddr);
    const closing = a.close();
    await a.destroy();
    await closing;
    await b.close();
    expect(a.peers.size).toBe(0);
  });
});
