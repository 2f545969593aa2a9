import { expect, it } from 'vitest';
import { ChordSocket, getHashes } from '@p2p/chord';
import { expectReleased, openHandles, waitFor } from '@p2p/testnet';

// Its own file (like close.test.ts), so its process holds nothing from other tests when it takes the snapshot.
it('destroy() releases every timer and rejects pending reads with CLOSED; twice, or close() after it, is safe', async () => {
  const before = openHandles();
  const a = await ChordSocket.listen({ republishInterval: 50, republishDelay: 10 });
  const b = await ChordSocket.listen({ republishInterval: 50, republishDelay: 10 });
  await b.connect(...a.outAddr);
  a.join();
  b.join();
  await waitFor(() => a.storingPeers().length === 1 && b.storingPeers().length === 1);
  for (let i = 0; i < 20; i++) a.set(`k${i}`, i);
  let missing = 'missing';
  for (let i = 0; getHashes(missing).filter((h) => a.find(h) === a).length > 2; i++) missing = `missing${i}`;
  const pending = a.get(missing, undefined, { timeout: 60_000 }).catch((e: unknown) => e);
  await waitFor(() => a.storedEntries + b.storedEntries === 100);
  await a.destroy();
  expect(await pending).toMatchObject({ code: 'CLOSED' });
  expect(a.closed).toBe(true);
  expect(a.pendingLookups).toBe(0);
  await Promise.all([a.destroy(), a.close(), b.close()]);
  await expectReleased(before);
});
