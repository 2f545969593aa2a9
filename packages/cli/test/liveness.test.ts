/** A paused `p2p mesh` process (SIGSTOP: the kernel still acknowledges its TCP, nothing answers) is dropped by liveness. */
import { describe, expect, it } from 'vitest';
import type { P2PError } from '@p2p/base';
import { MeshSocket, type PeerInfo } from '@p2p/mesh';
import { p2p } from './helpers';

describe('liveness against a paused process', () => {
  it('drops a SIGSTOPped peer with PEER_UNRESPONSIVE within timeout + interval', async () => {
    const liveness = { interval: 200, timeout: 800 };
    const local = await MeshSocket.listen({ liveness, reconnect: false });
    const child = p2p('mesh');
    try {
      const [host, port] = (await child.address()).split(':');
      const peer = await local.connect(host!, Number(port));
      // Let one ping/pong round show the child speaks ping/pong.
      await new Promise((r) => setTimeout(r, liveness.interval * 3));
      expect(local.peers.has(peer.id)).toBe(true);
      const dropped = new Promise<[PeerInfo, P2PError | undefined]>((resolve) => local.once('peer:disconnect', (p, why) => resolve([p, why])));
      const pausedAt = Date.now();
      child.child.kill('SIGSTOP');
      const [gone, reason] = await dropped;
      const took = Date.now() - pausedAt;
      expect(gone.id).toBe(peer.id);
      expect(reason?.code).toBe('PEER_UNRESPONSIVE');
      expect(took).toBeLessThan(liveness.timeout + liveness.interval + 1_000);
    } finally {
      child.child.kill('SIGCONT');
      child.kill();
      await local.close();
    }
  }, 30_000);
});
