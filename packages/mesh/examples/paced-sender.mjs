import { MeshSocket } from '@p2p/mesh';

// A sender that paces itself: 20,000 messages of 1 KiB, waiting for `drain` whenever send()
// reports that some peer has more than writeHighWaterBytes queued.
const sender = await MeshSocket.listen({ limits: { writeHighWaterBytes: 256 * 1024 } });
const reader = await MeshSocket.listen({ queueWhenListened: false });
await reader.connect(...sender.outAddr);
while (sender.peers.size === 0) await new Promise((resolve) => setTimeout(resolve, 10));

const total = 20_000;
let received = 0;
const all = new Promise((resolve) => {
  reader.on('message', () => {
    if (++received === total) resolve();
  });
});

const body = crypto.getRandomValues(new Uint8Array(1024)); // random: compression cannot shrink it
let waits = 0;
for (let i = 0; i < total; i++) {
  if (sender.send(['item', i, body]).full) {
    waits++;
    await sender.drained({ timeout: 60_000 });
  }
}
await all;
console.log(`reader got ${received} of ${total}; the sender waited for drain: ${waits > 0}`);

await Promise.all([sender.close(), reader.close()]);
