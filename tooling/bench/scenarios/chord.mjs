// Scenario "chord": 8 ChordSocket nodes on loopback (line dials; chord then dials the peers it
// hears of), all joined; 1,000 sets then 1,000 gets spread over the nodes. Reports ops/s and
// p50/p99 latency. A set is unacknowledged on the wire, so "set" latency is the call itself and
// "sets landed" is the time until all 5,000 replicas are stored. Also reports lookup hops of a
// 1,024-node pure routing model (greedy routing as py2p, with and without finger links).
import { ChordSocket, RING_SIZE, distance, getHashes } from '@p2p/chord';

export const name = 'chord';
export const description = '8 chord nodes on loopback: 1,000 sets then 1,000 gets; plus 1,024-node routing hops (pure model)';

const NODES = 8;
const OPS = 1_000;
const CONCURRENCY = 50;
const TIMEOUT_MS = 60_000;

const nowMs = () => Number(process.hrtime.bigint()) / 1e6;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(predicate, what) {
  const deadline = Date.now() + TIMEOUT_MS;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${TIMEOUT_MS} ms`);
    await sleep(5);
  }
}

const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];

async function runRing() {
  const nodes = [];
  for (let i = 0; i < NODES; i++) nodes.push(await ChordSocket.listen({ handoffOnClose: false }));
  try {
    for (let i = 0; i + 1 < NODES; i++) await nodes[i].connect(...nodes[i + 1].outAddr);
    for (const n of nodes) n.join();
    const sorted = [...nodes].sort((a, b) => (a.idInt < b.idInt ? -1 : 1));
    const idOf = (n, x) => (x === n ? n.id : x?.peerId);
    await until(
      () => sorted.every((n, i) => idOf(n, n.successor) === sorted[(i + 1) % NODES].id && idOf(n, n.predecessor) === sorted[(i + NODES - 1) % NODES].id),
      'ring formation',
    );
    await sleep(500); // let trimming and re-dials settle

    const setLatency = [];
    const t0 = nowMs();
    for (let i = 0; i < OPS; i++) {
      const s = nowMs();
      nodes[i % NODES].set(`bench-${i}`, { i, payload: 'x'.repeat(32) });
      setLatency.push(nowMs() - s);
    }
    const setCalls = nowMs() - t0;
    const total = () => nodes.reduce((s, n) => s + n.storedEntries, 0);
    await until(() => total() >= OPS * 5, 'all replicas stored');
    const landed = nowMs() - t0;

    const getLatency = [];
    const g0 = nowMs();
    for (let start = 0; start < OPS; start += CONCURRENCY) {
      await Promise.all(
        Array.from({ length: Math.min(CONCURRENCY, OPS - start) }, async (_, j) => {
          const i = start + j;
          const s = nowMs();
          const v = await nodes[(i + 3) % NODES].get(`bench-${i}`, undefined, { timeout: 10_000 });
          if (v?.i !== i) throw new Error(`bench-${i} read back ${JSON.stringify(v)}`);
          getLatency.push(nowMs() - s);
        }),
      );
    }
    const gets = nowMs() - g0;
    setLatency.sort((a, b) => a - b);
    getLatency.sort((a, b) => a - b);
    return { setCalls, landed, gets, setLatency, getLatency };
  } finally {
    await Promise.all(nodes.map((n) => n.close()));
  }
}

/** Greedy routing over direct links on a 1,024-node ring model (same rule as the socket). */
function hops(n, { random = 4, fingers = false, lookups = 2000 } = {}) {
  let seed = 1;
  const rand = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  const ids = Array.from({ length: n }, (_, i) => getHashes(`node-${i}`)[3]).sort((a, b) => (a < b ? -1 : 1));
  const adj = ids.map(() => new Set());
  const link = (a, b) => a !== b && (adj[a].add(b), adj[b].add(a));
  const closest = (cands, k) => {
    let best;
    let bd = -1n;
    for (const c of cands) {
      const d = distance(ids[c], k);
      if (bd < 0n || d < bd) [best, bd] = [c, d];
    }
    return best;
  };
  const after = (k) => {
    let best;
    let bd = -1n;
    for (let c = 0; c < n; c++) {
      const d = distance(k, ids[c]);
      if (bd < 0n || d < bd) [best, bd] = [c, d];
    }
    return best;
  };
  for (let i = 0; i < n; i++) {
    link(i, (i + 1) % n);
    for (let r = 0; r < random; r++) link(i, Math.floor(rand() * n));
    if (fingers) for (let j = 1; 2 ** j <= n; j++) link(i, after((ids[i] + (RING_SIZE >> BigInt(j))) % RING_SIZE));
  }
  const counts = [];
  for (let q = 0; q < lookups; q++) {
    const k = getHashes(`key-${q}`)[q % 5];
    let at = Math.floor(rand() * n);
    let h = 0;
    for (;;) {
      const to = closest([at, ...adj[at]], k);
      if (to === at) break;
      at = to;
      h++;
    }
    counts.push(h);
  }
  counts.sort((a, b) => a - b);
  return { mean: counts.reduce((s, x) => s + x, 0) / counts.length, p99: pct(counts, 0.99) };
}

export async function run() {
  const r = await runRing();
  const plain = hops(1024);
  const fingers = hops(1024, { fingers: true });
  return {
    ...{ setCalls: r.setCalls, landed: r.landed, gets: r.gets },
    hops: { plain, fingers },
    results: [
      { label: 'sets (calls)', value: OPS / (r.setCalls / 1000), unit: 'ops/s' },
      { label: 'set call p50 / p99', value: `${pct(r.setLatency, 0.5).toFixed(3)} / ${pct(r.setLatency, 0.99).toFixed(3)}`, unit: 'ms' },
      { label: 'sets landed (5 replicas each)', value: OPS / (r.landed / 1000), unit: 'ops/s' },
      { label: `gets (${CONCURRENCY} in flight)`, value: OPS / (r.gets / 1000), unit: 'ops/s' },
      { label: 'get p50 / p99', value: `${pct(r.getLatency, 0.5).toFixed(2)} / ${pct(r.getLatency, 0.99).toFixed(2)}`, unit: 'ms' },
      { label: '1,024 nodes: hops mean / p99 (ring + 4 random links)', value: `${plain.mean.toFixed(2)} / ${plain.p99}`, unit: 'hops (log2 N = 10)' },
      { label: '1,024 nodes: hops mean / p99 (+ finger links)', value: `${fingers.mean.toFixed(2)} / ${fingers.p99}`, unit: 'hops' },
    ],
  };
}
