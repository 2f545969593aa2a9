// Scenario "scale": 1,000 MeshSocket nodes in one process over MemoryHub (the in-memory
// transport; a simulation, not a socket test), linked as a random 4-regular graph. One node
// broadcasts one message; measures whether it reaches all 1,000, the duplicate frames per
// delivery the flood costs (each dropped before decoding), the time to full delivery and the
// heap per connected node. The network is built once; each of the `runs` broadcasts comes from
// another node and the median is reported.
import { MemoryHub, Protocol, memoryTransport } from '@p2p/base';
import { MeshSocket } from '@p2p/mesh';
import { KB, settledHeap } from './heap.mjs';

export const name = 'scale';
export const description = '1,000 nodes over MemoryHub in a random degree-4 topology; one broadcast floods them all';

/** The runner calls run() once: the broadcasts are its runs. */
export const repeats = false;

const NODES = 1_000;
const DEGREE = 4;
const TIMEOUT_MS = 60_000;

/** A seeded generator (mulberry32), so every run builds the same graph. */
function random(seed) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Edges of a random `degree`-regular graph on `n` nodes (the configuration model, redrawn until
 * there is no loop and no double edge), each as [dialer, listener].
 */
export function regularGraph(n, degree, seed = 1) {
  const next = random(seed);
  for (;;) {
    const stubs = Array.from({ length: n * degree }, (_, i) => Math.floor(i / degree));
    for (let i = stubs.length - 1; i > 0; i--) {
      const j = Math.floor(next() * (i + 1));
      [stubs[i], stubs[j]] = [stubs[j], stubs[i]];
    }
    const seen = new Set();
    const edges = [];
    let ok = true;
    for (let i = 0; i < stubs.length && ok; i += 2) {
      const [a, b] = [stubs[i], stubs[i + 1]];
      const key = a < b ? `${a}-${b}` : `${b}-${a}`;
      if (a === b || seen.has(key)) ok = false;
      seen.add(key);
      edges.push([a, b]);
    }
    if (ok) return edges;
  }
}

const duplicatesDropped = (node) => node.metrics().metrics.find((m) => m.name === 'p2p_duplicates_dropped_total')?.series[0]?.value ?? 0;

export async function run({ runs = 3 }) {
  const hub = new MemoryHub();
  const protocol = new Protocol('scale', 'Plaintext');
  const heapBefore = await settledHeap();
  const nodes = [];
  const t0 = performance.now();
  for (let i = 0; i < NODES; i++) nodes.push(await MeshSocket.listen({ protocol, maxOutgoing: 0, transport: memoryTransport(hub) }));
  try {
    const edges = regularGraph(NODES, DEGREE);
    for (let i = 0; i < edges.length; i += 50) {
      await Promise.all(edges.slice(i, i + 50).map(([a, b]) => nodes[a].connect(...nodes[b].outAddr)));
    }
    const deadline = Date.now() + TIMEOUT_MS;
    while (nodes.some((n) => n.peers.size !== DEGREE)) {
      if (Date.now() > deadline) throw new Error('the 1,000-node network did not form');
      await new Promise((r) => setTimeout(r, 20));
    }
    const formedMs = performance.now() - t0;
    const heapPerNode = (await settledHeap() - heapBefore) / NODES;

    const broadcasts = [];
    for (let b = 0; b < runs; b++) {
      const origin = nodes[(b * 397) % NODES];
      const dupsBefore = nodes.reduce((sum, n) => sum + duplicatesDropped(n), 0);
      let reached = 0;
      let finish;
      const done = new Promise((resolve) => (finish = resolve));
      const offs = nodes
        .filter((n) => n !== origin)
        .map((n) =>
          n.on('message', () => {
            n.recv();
            if (++reached === NODES - 1) finish();
          }),
        );
      const timer = setTimeout(finish, TIMEOUT_MS);
      const start = performance.now();
      origin.send(['flood', b]);
      await done;
      const ms = performance.now() - start;
      clearTimeout(timer);
      for (const off of offs) off();
      // Copies still in flight after the last delivery are duplicates too: let them land.
      await new Promise((r) => setTimeout(r, 50));
      const duplicates = nodes.reduce((sum, n) => sum + duplicatesDropped(n), 0) - dupsBefore;
      broadcasts.push({ reached: reached + 1, ms, duplicatesPerDelivery: duplicates / reached });
    }
    const median = (key) => broadcasts.map((b) => b[key]).sort((x, y) => x - y)[Math.floor(broadcasts.length / 2)];
    return {
      broadcasts,
      results: [
        { label: 'nodes reached by one broadcast', value: Math.min(...broadcasts.map((b) => b.reached)), unit: `of ${NODES} (the worst of ${runs} broadcasts)`, goal: `= ${NODES}` },
        { label: 'time to full delivery', value: median('ms'), unit: `ms (median of ${runs} broadcasts)` },
        { label: 'duplicate frames per delivery', value: median('duplicatesPerDelivery'), unit: 'dropped before decoding (degree 4: at most 3)' },
        { label: 'heap per connected node', value: heapPerNode / KB, unit: `KB (${DEGREE} links each)` },
        { label: 'time to build the network', value: formedMs / 1000, unit: `s (${NODES} nodes, ${edges.length} links)` },
      ],
    };
  } finally {
    await Promise.all(nodes.map((n) => n.close()));
  }
}
