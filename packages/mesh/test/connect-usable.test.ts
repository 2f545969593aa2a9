/** A resolved connect() is a usable link: both sides have filed each other and a first message either way arrives. */
import { describe, expect, it } from 'vitest';
import { MainFlags } from '@p2p/base';
import { MeshSocket } from '@p2p/mesh';
import { node, nextMessage, track } from './helpers';

describe('connect() means usable', () => {
  it('20 fresh pairs deliver both first messages, sent right after connect() resolves', async () => {
    let delivered = 0;
    for (let i = 0; i < 20; i++) {
      const a = await node();
      const b = await node();
      const atA = nextMessage(a, undefined, 3000);
      const atB = nextMessage(b, undefined, 3000);
      await b.connect(...a.outAddr);
      expect(a.peers.has(b.id)).toBe(true);
      expect(b.peers.has(a.id)).toBe(true);
      const fromA = a.send(['from a']);
      const fromB = b.send(['from b']);
      expect(fromA.written).toBe(1);
      expect(fromB.written).toBe(1);
      const [ma, mb] = await Promise.all([atA, atB]);
      if (ma.packets[1] === 'from b' && mb.packets[1] === 'from a') delivered++;
      await Promise.all([a.close(), b.close()]);
    }
    expect(delivered).toBe(20);
  }, 60_000);

  it('send() reports the message id and how many peers it was written to', async () => {
    const a = await node();
    expect(a.send(['nobody']).written).toBe(0);
    const b = await node();
    const c = await node();
    await b.connect(...a.outAddr);
    await c.connect(...a.outAddr);
    const sent = a.send(['both'], { flag: MainFlags.whisper });
    expect(sent.written).toBe(2);
    expect(sent.id).toBeInstanceOf(Uint8Array);
    expect(sent.id.length).toBe(32);
    const [mb, mc] = await Promise.all([nextMessage(b), nextMessage(c)]);
    expect(Buffer.from(mb.id).equals(Buffer.from(sent.id))).toBe(true);
    expect(mc.packets[1]).toBe('both');
  });

  it('await using closes the node at the end of the scope', async () => {
    let kept: MeshSocket | undefined;
    {
      await using scoped = await MeshSocket.listen();
      kept = scoped;
      expect(kept.closed).toBe(false);
    }
    expect(kept.closed).toBe(true);
  });

  it('listen() takes a signal: an aborted one rejects with ABORTED and leaves nothing bound', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(MeshSocket.listen({ signal: controller.signal })).rejects.toMatchObject({ code: 'ABORTED' });
    const live = track(await MeshSocket.listen({ signal: new AbortController().signal }));
    expect(live.address?.port).toBeGreaterThan(0);
  });
});
