import { expect, it } from 'vitest';
import { ChordSocket, getHashes } from '@p2p/chord';
import { expectReleased, openHandles, waitFor } from '@p2p/testnet';

// Its own file, so its process holds nothing from other tests when it takes the snapshot.
it('close() hands off, then leaves no sockets or timers behind; twice is safe', async () => {
  const before = openHandles();
  const a = await ChordSocket.listen({ republishInterval: 50, republishDelay: 10 });
  const b = await ChordSocket.listen({ republishInterval: 50, republishDelay: 10 });
  await b.connect(...a.outAddr);
  a.join();
  b.join();
  await waitFor(() => a.storingPeers().length === 1 && b.storingPeers().length === 1);
  for (let i = 0; i < 20; i++) a.set(`k${i}`, i);
  // A missing key with at most two local tables keeps the read waiting (remote nils are not final).
  let missing = 'missing';
  for (let i = 0; getHashes(missing).filter((h) => a.find(h) === a).length > 2; i++) missing = `missing${i}`;
  const pending = a.get(missing, undefined, { timeout: 60_000 }).catch((e: unknown) => e);
  await waitFor(() => a.storedEntries + b.storedEntries === 100);
  await a.close();
  expect(await pending).toMatchObject({ code: 'CLOSED' });
  await waitFor(() => b.storedEntries === 100); // a handed its entries to b before closing
  await Promise.all([a.close(), b.close(), b.close()]);
  await expectReleased(before);
});
