/** The demo's topology: connecting nodes in a line and measuring the graph their peer links make. */
import { CONNECT_TIMEOUT_MS } from '../node-session';
import type { DemoNode } from './context';

/** Connects each node to the one before it: a line, one outgoing link each. */
export async function connectLine(list: readonly DemoNode[]): Promise<void> {
  for (let i = 1; i < list.length; i++) {
    const [host, port] = list[i - 1]!.socket.outAddr;
    await list[i]!.socket.connect(host, port, { timeout: CONNECT_TIMEOUT_MS });
  }
}

export function linkCount(list: readonly DemoNode[]): number {
  return list.reduce((sum, d) => sum + d.socket.peers.size, 0) / 2;
}

/** Undefined when every node reaches every other through peer links, else who is cut off. */
export function unreachable(list: readonly DemoNode[]): string | undefined {
  const hops = hopsFrom(list[0]!, list);
  const cut = list.find((d) => !hops.has(d));
  return cut && `${cut.name} is not reachable from ${list[0]!.name}`;
}

/** The largest number of hops between two nodes. */
export function diameter(list: readonly DemoNode[]): number {
  let most = 0;
  for (const start of list) {
    for (const hops of hopsFrom(start, list).values()) most = Math.max(most, hops);
  }
  return most;
}

/** The ports of `list`, shortened when there are many. */
export function portList(list: readonly DemoNode[]): string {
  const ports = list.map((d) => d.socket.outAddr[1]);
  return ports.length <= 6 ? ports.join(', ') : `${ports.slice(0, 4).join(', ')}, ... (${ports.length} ports)`;
}

/** Hops from `start` to every node of `list` it reaches through peer links (breadth first). */
function hopsFrom(start: DemoNode, list: readonly DemoNode[]): Map<DemoNode, number> {
  const byId = new Map(list.map((d) => [d.socket.id, d]));
  const hops = new Map<DemoNode, number>([[start, 0]]);
  const queue = [start];
  while (queue.length > 0) {
    const d = queue.shift()!;
    for (const id of d.socket.peers.keys()) {
      const next = byId.get(id);
      if (next && !hops.has(next)) {
        hops.set(next, hops.get(d)! + 1);
        queue.push(next);
      }
    }
  }
  return hops;
}
