// The fixed network shared by the mesh-based scenarios: 8 nodes, each dialing i+1 and i+3 mod 8
// (degree 4, diameter 2), so figures from different scenarios compare.
export const NODES = 8;
export const EDGES = Array.from({ length: NODES }, (_, i) => [
  [i, (i + 1) % NODES],
  [i, (i + 3) % NODES],
]).flat();

/** Lets pending socket I/O run between batches of sends. */
export const yieldIo = () => new Promise((resolve) => setImmediate(resolve));
