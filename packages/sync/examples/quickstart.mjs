import { SyncSocket } from '@p2p/sync';

// Two nodes share one dictionary; a third joins later and receives everything.
const alice = await SyncSocket.listen(); // leasing on: subnet 'sync1', as py2p
const bob = await SyncSocket.listen();
await bob.connect(...alice.outAddr);

const seen = new Promise((resolve) => bob.on('update', ({ key, value }) => resolve([new TextDecoder().decode(key), value])));
alice.set('greeting', 'hello');
console.log('bob saw', ...(await seen)); // bob saw greeting hello

// alice holds the lease on 'greeting' for an hour: bob may not change it. (Within the second
// of alice's write, the byte-wise smaller node id would win the tie, so wait for the next one.)
await new Promise((resolve) => setTimeout(resolve, 1001 - (Date.now() % 1000)));
try {
  bob.set('greeting', 'hi');
} catch (err) {
  console.log('bob:', err.code); // bob: LEASE_HELD
}

// Deltas merge into a map; text keys and their UTF-8 bytes are the same key.
alice.applyDelta('scores', { alice: 3 });
alice.applyDelta(new TextEncoder().encode('scores'), { bob: 2 });

const carol = await SyncSocket.listen();
await carol.connect(...bob.outAddr);
while (carol.size < 2) await new Promise((resolve) => setTimeout(resolve, 10));
console.log('carol has', carol.get('greeting'), carol.get('scores')); // carol has hello { alice: 3, bob: 2 }
console.log('owner is alice:', carol.getMeta('greeting').owner === alice.id);

await Promise.all([alice.close(), bob.close(), carol.close()]);
