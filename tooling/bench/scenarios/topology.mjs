// The fixed network shared by the mesh-based scenarios: 8 nodes, each dialing i+1 and i+3 mod 8
// (degree 4, diameter 2), so figures from different scenarios compare.
export const NODES = 8;
export const EDGES = Array.from({ length: NODES }, (_, i) => [
  [i, (i + 1) % NODES],
  [i, (i + 3) % NODES],
]).flat();

/** Lets pending socket I/O run between batches of sends. */
export const yieldIo = () => new Promise((resolve) => setImmediate(resolve));

/**
 * NODES sockets made by `listen()`, connected in this topology: resolves once every node has its
 * 4 peers; on a failure closes what it made and rethrows. A node whose protocol is authenticated
 * must have an identity and one whose protocol is plain must not: the figures of a run mean
 * nothing otherwise.
 */
export async function network(listen) {
  const nodes = [];
  try {
    for (let i = 0; i < NODES; i++) nodes.push(await listen());
    for (const n of nodes) {
      const { auth, subnet } = n.protocol;
      if (auth !== (n.identity !== undefined)) throw new Error(`a node of the ${auth ? 'authenticated' : 'plain'} ${subnet} subnet is ${n.identity ? '' : 'not '}authenticated`);
    }
    for (const [a, b] of EDGES) await nodes[a].connect(...nodes[b].outAddr, { timeout: 10_000 });
    while (nodes.some((n) => n.peers.size !== 4)) await new Promise((r) => setTimeout(r, 5));
    return nodes;
  } catch (err) {
    await Promise.all(nodes.map((n) => n.close()));
    throw err;
  }
}
