/** Chord writes at the limits: one `delete` event per deleted key on a peer; a too-large value throws FRAME_TOO_LARGE before anything is stored or sent. */
import { describe, expect, it } from 'vitest';
import { waitFor } from '@p2p/testnet';
import { ChordSocket } from '@p2p/chord';
import { ring } from './helpers';

describe('chord writes', () => {
  it('a delete fires the delete event once on a peer', async () => {
    const [a, b] = await ring(2);
    const events: string[] = [];
    b!.on('delete', ({ key }) => events.push(new TextDecoder().decode(key)));
    a!.set('k', 'v');
    await waitFor(() => [...b!.keys()].length === 1);
    a!.delete('k');
    await waitFor(() => [...b!.keys()].length === 0);
    // Let any second event arrive before counting.
    await new Promise((r) => setTimeout(r, 200));
    expect(events).toEqual(['k']);
  });

  it('a 20 MiB set throws FRAME_TOO_LARGE, stores nothing, and the next set is readable', async () => {
    const [a, b] = await ring(2);
    const drops: unknown[] = [];
    a!.on('peer:disconnect', (p) => drops.push(p));
    b!.on('peer:disconnect', (p) => drops.push(p));
    expect(() => a!.set('big', new Uint8Array(20 * 1024 * 1024))).toThrow(expect.objectContaining({ code: 'FRAME_TOO_LARGE' }));
    expect([...a!.keys()]).toEqual([]);
    await expect(a!.applyDelta('big-map', { v: new Uint8Array(20 * 1024 * 1024) })).rejects.toMatchObject({ code: 'FRAME_TOO_LARGE' });
    a!.set('small', 'after');
    await waitFor(async () => (await b!.get('small', undefined, { timeout: 2000 })) === 'after');
    expect(drops).toEqual([]);
  }, 20_000);

  it('await using closes a chord socket at the end of the scope (asyncDispose is inherited)', async () => {
    let kept: ChordSocket | undefined;
    {
      await using scoped = await ChordSocket.listen();
      kept = scoped;
    }
    expect(kept.closed).toBe(true);
  });
});
