// Scenario "memory": the heap an idle node costs. 10,000 MeshSocket nodes in one process over
// MemoryHub (no sockets: ten thousand listeners would need as many descriptors), each linked
// to the next in a ring (two idle links per node: handshaken, timers armed, no traffic), after
// a full garbage collection. Also the same for a node with no links at all.
import { MemoryHub, Protocol, memoryTransport } from '@p2p/base';
import { MeshSocket } from '@p2p/mesh';
import { KB, MB, settledHeap } from './heap.mjs';

export const name = 'memory';
export const description = 'heap of idle nodes: 10,000 in one process over MemoryHub, in a ring (2 idle links each), and unlinked';

const NODES = 10_000;
const UNLINKED = 1_000;
const TIMEOUT_MS = 120_000;

async function heapOf(count, link) {
  const hub = new MemoryHub();
  const protocol = new Protocol('memory', 'Plaintext');
  const before = await settledHeap();
  const nodes = [];
  try {
    for (let i = 0; i < count; i++) nodes.push(await MeshSocket.listen({ protocol, maxOutgoing: 0, transport: memoryTransport(hub) }));
    if (link) {
      for (let i = 0; i < count; i += 100) {
        await Promise.all(nodes.slice(i, i + 100).map((n, j) => n.connect(...nodes[(i + j + 1) % count].outAddr)));
      }
      const deadline = Date.now() + TIMEOUT_MS;
      while (nodes.some((n) => n.peers.size !== 2)) {
        if (Date.now() > deadline) throw new Error('the ring did not form');
        await new Promise((r) => setTimeout(r, 20));
      }
    }
    const heap = (await settledHeap()) - before;
    return { heap, rss: process.memoryUsage().rss };
  } finally {
    await Promise.all(nodes.map((n) => n.close()));
  }
}

export async function run() {
  const unlinked = await heapOf(UNLINKED, false);
  const ring = await heapOf(NODES, true);
  return {
    results: [
      { label: `heap per idle node (${NODES.toLocaleString('en-US')} in a ring, 2 links each)`, value: ring.heap / NODES / KB, unit: 'KB', goal: '< 100' },
      { label: `heap of ${NODES.toLocaleString('en-US')} idle nodes`, value: ring.heap / MB, unit: 'MB', goal: '< 1024' },
      { label: 'process RSS with them', value: ring.rss / MB, unit: 'MB' },
      { label: `heap per unlinked node (${UNLINKED.toLocaleString('en-US')}, listening only)`, value: unlinked.heap / UNLINKED / KB, unit: 'KB' },
    ],
  };
}
