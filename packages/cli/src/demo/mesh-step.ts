/**
 * The mesh part of the demo: nodes in a line (one outgoing link each), so broadcasts and replies
 * must be relayed; every broadcast arrives exactly once, every reply finds its way back.
 */
import type { Message } from '@p2p/base';
import { MeshSocket } from '@p2p/mesh';
import { DemoFailedError } from '../errors';
import { delay } from '../wait';
import { HOST, type DemoContext, type DemoNode, type Step } from './context';
import { connectLine, diameter, linkCount, portList, unreachable } from './graph';

export function meshSteps(ctx: DemoContext): Step[] {
  const mesh = new MeshDemo(ctx);
  const step = (title: string, run: () => Promise<string>): Step => ({ network: 'mesh', title, run });
  return [
    step(`start ${ctx.n} mesh nodes`, () => mesh.start()),
    step('connect them in a line (one outgoing link each)', () => mesh.connect()),
    step('every node broadcasts a line', () => mesh.broadcast()),
    step('m0 asks, everyone replies to m0', () => mesh.ping()),
  ];
}

class MeshDemo {
  readonly #ctx: DemoContext;
  readonly #nodes: Array<DemoNode<MeshSocket>> = [];
  /** The `hello from ...` broadcasts each node received. */
  readonly #hellos = new Map<DemoNode, string[]>();
  /** Names of the nodes whose reply reached m0. */
  readonly #pongs = new Set<string>();

  constructor(ctx: DemoContext) {
    this.#ctx = ctx;
  }

  async start(): Promise<string> {
    const n = this.#ctx.n;
    for (let i = 0; i < n; i++) {
      // One outgoing link each: the nodes stay a line, so broadcasts and replies must be relayed.
      const socket = await MeshSocket.listen({ ...this.#ctx.listenOptions, maxOutgoing: 1 });
      const node = this.#ctx.add('mesh', `m${i}`, socket);
      this.#nodes.push(node);
      this.#hellos.set(node, []);
      socket.on('message', (msg: Message) => this.#onMessage(node, msg));
    }
    return `${n} nodes listening on ${HOST}, ports ${portList(this.#nodes)}`;
  }

  async connect(): Promise<string> {
    const mesh = this.#nodes;
    await connectLine(mesh);
    await this.#ctx.wait(() => unreachable(mesh));
    return `${linkCount(mesh)} links; every node reaches every other, the farthest ${diameter(mesh)} hops apart`;
  }

  async broadcast(): Promise<string> {
    const n = this.#ctx.n;
    const mesh = this.#nodes;
    for (const node of mesh) node.socket.send([`hello from ${node.name}`]);
    await this.#ctx.wait(() => {
      const short = mesh.find((d) => new Set(this.#hellos.get(d)).size < n - 1);
      return short && `${short.name} received ${new Set(this.#hellos.get(short)).size} of ${n - 1} broadcasts`;
    });
    // Anything duplicated or echoed back would arrive right behind the originals.
    await delay(150);
    for (const node of mesh) {
      const got = this.#hellos.get(node)!;
      if (got.length !== n - 1 || got.includes(`hello from ${node.name}`)) {
        throw new DemoFailedError(`${node.name} received ${got.length} broadcasts for ${n - 1} sent by others (duplicates or its own)`);
      }
    }
    return `${n * (n - 1)} deliveries (${n} broadcasts x ${n - 1} receivers, relayed node to node), each exactly once`;
  }

  async ping(): Promise<string> {
    const n = this.#ctx.n;
    const [m0, ...others] = this.#nodes;
    const far = others.filter((d) => !m0!.socket.peers.has(d.socket.id)).length;
    m0!.socket.send(['ping']);
    await this.#ctx.wait(() => (this.#pongs.size < n - 1 ? `m0 received ${this.#pongs.size} of ${n - 1} replies` : undefined));
    return `${n - 1} replies reached m0, ${far} of them from nodes that first had to find a route to it`;
  }

  #onMessage(node: DemoNode<MeshSocket>, msg: Message): void {
    node.socket.recv(); // the listener handles it; keep the receive queue empty
    node.received++;
    const [, text] = msg.packets;
    if (typeof text === 'string' && text.startsWith('hello from ')) this.#hellos.get(node)!.push(text);
    if (text === 'ping') void msg.reply('pong', node.name).catch(() => undefined);
    if (text === 'pong' && node.name === 'm0') this.#pongs.add(String(msg.packets[2]));
  }
}
