import { MeshSocket } from '@p2p/mesh';

// Three nodes on loopback: alice <- bob <- carol (bob relays between them).
const alice = await MeshSocket.listen();
const bob = await MeshSocket.listen();
const carol = await MeshSocket.listen();
await bob.connect(...alice.outAddr);
await carol.connect(...bob.outAddr);

// Everyone who receives a question answers it, even when not directly connected.
for (const node of [bob, carol]) {
  node.on('message', (msg) => {
    if (msg.packets[1] === 'question') void msg.reply('answer', node === bob ? 'bob' : 'carol');
  });
}

const answers = new Set();
const done = new Promise((resolve) => {
  alice.on('message', (msg) => {
    answers.add(msg.packets[2]);
    if (answers.size === 2) resolve();
  });
});

alice.send(['question']); // broadcast: packets [0, 'question'] everywhere
await done;
console.log('alice got answers from', [...answers].sort().join(' and '));

await Promise.all([alice.close(), bob.close(), carol.close()]);
