// A small mesh on loopback: four nodes join one by one, a broadcast floods the network, a node
// replies to a sender it is not connected to, and everything shuts down cleanly.
// Exits 0 on success, 1 on failure. Run with `pnpm start` (builds first) or `node examples/mesh-demo.mjs`.
import { MainFlags } from '@p2p/base';
import { MeshSocket } from '@p2p/mesh';

const names = ['ada', 'bob', 'cyd', 'dee'];
const nodes = [];
const nameOf = (id) => names[nodes.findIndex((n) => n.id === id)] ?? id.slice(0, 8);
const deadline = setTimeout(() => fail(new Error('demo did not finish within 20 s')), 20_000);

async function fail(err) {
  console.error('FAILED:', err?.message ?? err);
  await Promise.allSettled(nodes.map((n) => n.close()));
  process.exit(1);
}

try {
  // maxOutgoing 0 keeps the line a line, so the broadcast needs relays and the reply needs a route.
  for (const name of names) {
    const node = await MeshSocket.listen({ maxOutgoing: 0 });
    node.on('error', (e) => console.log(`  [${name}] error ${e.code}: ${e.message}`));
    nodes.push(node);
    console.log(`${name} listening on ${node.outAddr.join(':')} as ${node.id.slice(0, 12)}...`);
  }
  for (let i = 1; i < nodes.length; i++) {
    const peer = await nodes[i].connect(...nodes[i - 1].outAddr);
    console.log(`${names[i]} connected to ${nameOf(peer.id)}`);
  }

  const received = nodes.slice(1).map(
    (node, i) =>
      new Promise((resolve) =>
        node.once('message', (msg) => {
          console.log(`${names[i + 1]} got ${JSON.stringify(msg.packets.slice(1))} from ${nameOf(msg.sender)}`);
          resolve(msg);
        }),
      ),
  );
  console.log('ada broadcasts "hello, mesh"');
  nodes[0].send(['hello, mesh']);
  const messages = await Promise.all(received);

  const atAda = new Promise((resolve) =>
    nodes[0].once('message', (msg) => {
      console.log(`ada got a ${msg.type === MainFlags.whisper ? 'whisper' : 'broadcast'} ${JSON.stringify(msg.packets.slice(1))} from ${nameOf(msg.sender)}`);
      resolve(msg);
    }),
  );
  console.log('dee replies to ada (not a neighbour: a route request finds her)');
  await messages.at(-1).reply('hi ada, dee here');
  const answer = await atAda;
  if (answer.packets[1] !== 'hi ada, dee here') throw new Error('wrong reply');

  for (const [i, n] of nodes.entries()) console.log(`${names[i]} peers: ${[...n.peers.keys()].map(nameOf).join(', ')}`);
  await Promise.all(nodes.map((n) => n.close()));
  clearTimeout(deadline);
  console.log('all nodes closed: OK');
} catch (err) {
  await fail(err);
}
