/**
 * Signed records in an authenticated subnet: the owner writes, a reader checks what it reads,
 * and a higher sequence replaces a lower one. Run by test/records-example.test.ts.
 */
import { ChordSocket, Protocol } from '@p2p/chord';

export async function main(log: (...args: unknown[]) => void = console.log): Promise<void> {
  const protocol = new Protocol('chord', 'Plaintext', { auth: true }); // ids are Ed25519 keys here
  const owner = await ChordSocket.listen({ protocol });
  const reader = await ChordSocket.listen({ protocol });
  try {
    await reader.connect(...owner.outAddr);
    owner.join();
    reader.join();
    while (owner.storingPeers().length < 1 || reader.storingPeers().length < 1) await new Promise((r) => setTimeout(r, 10));

    const { seq } = await owner.records.put('profile', { nick: 'ada' }); // signed with owner.identity
    log('put seq', seq); // 1
    await owner.records.get(owner.id, 'profile'); // the owner's stores went out first on the same links
    const record = await reader.records.get(owner.id, 'profile'); // checked: owner's signature, owner, name
    log('read', record.value, 'seq', record.seq, 'by', record.owner === owner.id ? 'owner' : '?');

    await owner.records.put('profile', { nick: 'countess' }); // seq 2 replaces seq 1 everywhere
    await owner.records.get(owner.id, 'profile');
    log('read', (await reader.records.get(owner.id, 'profile')).value);
  } finally {
    await Promise.all([owner.close(), reader.close()]);
  }
}
