/** A payload that cannot be framed within maxFrameBytes throws FRAME_TOO_LARGE at the sender; the link stays up. */
import { describe, expect, it } from 'vitest';
import { node, nextMessage } from './helpers';

describe('oversized sends', () => {
  it('a 20 MiB send throws FRAME_TOO_LARGE before anything is written, and the next message arrives', async () => {
    const a = await node();
    const b = await node();
    await b.connect(...a.outAddr);
    const disconnects: unknown[] = [];
    a.on('peer:disconnect', (p) => disconnects.push(p));
    b.on('peer:disconnect', (p) => disconnects.push(p));
    const big = new Uint8Array(20 * 1024 * 1024);
    const sentBefore = a.peers.get(b.id)!.bytesSent;
    expect(() => a.send([big])).toThrow(expect.objectContaining({ code: 'FRAME_TOO_LARGE' }));
    expect(a.peers.get(b.id)!.bytesSent).toBe(sentBefore);
    const next = nextMessage(b);
    expect(a.send(['after']).written).toBe(1);
    expect((await next).packets[1]).toBe('after');
    expect(disconnects).toEqual([]);
    expect(a.peers.has(b.id)).toBe(true);
  }, 20_000);

  it('the limit is the sender\'s maxFrameBytes', async () => {
    const a = await node({ limits: { maxFrameBytes: 1024 } });
    const b = await node();
    await b.connect(...a.outAddr);
    expect(() => a.send([new Uint8Array(1000)])).toThrow(expect.objectContaining({ code: 'FRAME_TOO_LARGE' }));
    expect(a.send([new Uint8Array(800)]).written).toBe(1);
  });
});
