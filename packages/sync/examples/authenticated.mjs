import { Identity, Protocol, SyncSocket } from '@p2p/sync';

// An authenticated subnet: a node's id is its Ed25519 key's, and every write carries the
// signature of the node that made it, checked by every node and kept with the value.
const protocol = new Protocol('team-notes', 'Plaintext', { auth: true });
const alice = await SyncSocket.listen({ protocol, identity: Identity.generate() });
const bob = await SyncSocket.listen({ protocol }); // an identity is generated when none is given
const carol = await SyncSocket.listen({ protocol });
await bob.connect(...alice.outAddr);
await carol.connect(...bob.outAddr);

const arrived = new Promise((resolve) => carol.on('update', ({ key }) => new TextDecoder().decode(key) === 'agenda' && resolve()));
alice.set('agenda', ['budget', 'hiring']);
await arrived;

// The lease on 'agenda' is alice's key's for an hour: bob can neither overwrite it nor replay a
// write in her name. (Within the second of alice's write the smaller id would win the tie.)
await new Promise((resolve) => setTimeout(resolve, 1001 - (Date.now() % 1000)));
let refused;
try {
  bob.set('agenda', ['bob rules']);
} catch (err) {
  refused = err.code;
}
const fromAlice = carol.getMeta('agenda').owner === alice.identity.id;
console.log(`carol has ${JSON.stringify(carol.get('agenda'))} signed by alice: ${fromAlice}; bob: ${refused}`);

await Promise.all([alice.close(), bob.close(), carol.close()]);
