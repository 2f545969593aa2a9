/**
 * Three chord nodes on loopback: join, write on one, read on another, delete, leave.
 * Run by test/example.test.ts, so this file cannot drift from the API.
 */
import { ChordSocket } from '@p2p/chord';

export async function main(log: (...args: unknown[]) => void = console.log): Promise<void> {
  const a = await ChordSocket.listen();
  const b = await ChordSocket.listen();
  const c = await ChordSocket.listen();
  try {
    await b.connect(...a.outAddr);
    await c.connect(...a.outAddr);
    for (const node of [a, b, c]) node.join(); // start storing data for the network
    // Storing status travels as a message; wait until everyone knows who stores.
    while (![a, b, c].every((n) => n.storingPeers().length === 2)) await new Promise((r) => setTimeout(r, 10));

    c.on('add', ({ key }) => log('announced:', new TextDecoder().decode(key)));
    a.set('greeting', { text: 'hello', lang: 'en' });
    // Writes are unacknowledged; reading on the writer first waits for them (same links, in order).
    await a.get('greeting');
    log('read on b:', await b.get('greeting')); // { text: 'hello', lang: 'en' }

    log('merged:', await c.applyDelta('greeting', { lang: 'fr' })); // { text: 'hello', lang: 'fr' }
    await c.get('greeting');
    b.delete('greeting');
    // A missing key costs the whole timeout (a nil answer may be a forwarder's first reply).
    await b.get('greeting', 'gone', { timeout: 300 });
    log('after delete:', await c.get('greeting', 'gone', { timeout: 300 })); // 'gone'

    await b.unjoin(); // hands its entries to the others, then only reads and writes
  } finally {
    await Promise.all([a.close(), b.close(), c.close()]);
  }
}
