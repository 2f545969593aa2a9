import { Identity, MeshSocket, Protocol } from '@p2p/mesh';

// An authenticated subnet: node ids come from Ed25519 keys, handshakes prove them, and every
// message is signed by the node that wrote it. Keep a node's key with Identity.loadOrCreate(path).
const protocol = new Protocol('team-chat', 'Plaintext', { auth: true });
const alice = await MeshSocket.listen({ protocol, identity: Identity.generate() });
const bob = await MeshSocket.listen({ protocol }); // an identity is generated when none is given
const carol = await MeshSocket.listen({ protocol });
await bob.connect(...alice.outAddr);
await carol.connect(...bob.outAddr);

// A plain node (or py2p) cannot join: the protocol ids differ.
const plain = await MeshSocket.listen({ protocol: new Protocol('team-chat', 'Plaintext') });
const refused = await plain.connect(...alice.outAddr).catch((err) => err.code);

// carol hears alice through bob, and the sender id is alice's key's id: bob could not forge it.
const heard = new Promise((resolve) => carol.once('message', resolve));
alice.send(['signed hello']);
const message = await heard;
console.log(`carol got "${message.packets[1]}" from alice: ${message.sender === alice.identity.id}; plain node: ${refused}`);

await Promise.all([alice.close(), bob.close(), carol.close(), plain.close()]);
