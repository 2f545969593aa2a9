/**
 * Starts N nodes, connects them in a topology and tears everything down. Generic over any node
 * with `connect`, `close` and `outAddr`, so mesh, sync and chord tests share it.
 */

/** The structural node type a testnet drives. */
export interface TestNode {
  connect(host: string, port: number, options?: { timeout?: number }): Promise<unknown>;
  close(): Promise<void>;
  readonly outAddr: readonly [string, number];
}

/**
 * - `line`: 0-1, 1-2, ... (i dials i+1)
 * - `ring`: a line plus (n-1)-0
 * - `star`: every node dials node 0
 * - `full`: every i dials every j > i
 * - `none`: no connections
 * - or an explicit list of `[from, to]` dials.
 */
export type Topology = 'line' | 'ring' | 'star' | 'full' | 'none' | ReadonlyArray<readonly [number, number]>;

export interface TestnetOptions<N extends TestNode> {
  count: number;
  /** Creates node `i` (listening, not yet connected). */
  start: (i: number) => Promise<N>;
  /** @default 'line' */
  topology?: Topology;
  /** Per-dial timeout in ms. @default 5000 */
  connectTimeout?: number;
}

export interface Testnet<N extends TestNode> {
  readonly nodes: N[];
  /** The dials that were made, as `[from, to]`. */
  readonly edges: ReadonlyArray<readonly [number, number]>;
  /** Closes every node (in parallel); safe to call twice. */
  close(): Promise<void>;
}

/** The dials a topology makes among `count` nodes. */
export function topologyEdges(topology: Topology, count: number): Array<[number, number]> {
  if (typeof topology !== 'string') return topology.map(([a, b]) => [a, b]);
  const edges: Array<[number, number]> = [];
  switch (topology) {
    case 'none':
      break;
    case 'line':
    case 'ring':
      for (let i = 0; i + 1 < count; i++) edges.push([i, i + 1]);
      if (topology === 'ring' && count > 2) edges.push([count - 1, 0]);
      break;
    case 'star':
      for (let i = 1; i < count; i++) edges.push([i, 0]);
      break;
    case 'full':
      for (let i = 0; i < count; i++) for (let j = i + 1; j < count; j++) edges.push([i, j]);
      break;
  }
  return edges;
}

/** Starts `count` nodes and dials the topology's edges one after another. */
export async function startTestnet<N extends TestNode>(options: TestnetOptions<N>): Promise<Testnet<N>> {
  const { count, start, topology = 'line', connectTimeout = 5000 } = options;
  const nodes: N[] = [];
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= Promise.allSettled(nodes.map((n) => n.close())).then(() => undefined);
    return closing;
  };
  const edges = topologyEdges(topology, count);
  try {
    for (let i = 0; i < count; i++) nodes.push(await start(i));
    for (const [from, to] of edges) {
      const a = nodes[from];
      const b = nodes[to];
      if (!a || !b) throw new Error(`testnet: edge [${from}, ${to}] is out of range`);
      const [host, port] = b.outAddr;
      await a.connect(host, port, { timeout: connectTimeout });
    }
  } catch (err) {
    await close();
    throw err;
  }
  return { nodes, edges, close };
}
