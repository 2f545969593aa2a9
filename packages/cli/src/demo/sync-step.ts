/**
 * The sync part of the demo: every node writes a key that reaches every other node; a leased key
 * refuses another node's overwrite; its holder's delete reaches every node.
 */
import { isP2PError } from '@p2p/base';
import { SyncSocket } from '@p2p/sync';
import { DemoFailedError } from '../errors';
import { delay } from '../wait';
import type { DemoContext, DemoNode, Step } from './context';
import { connectLine, linkCount, portList, unreachable } from './graph';

type SyncNode = DemoNode<SyncSocket>;

export function syncSteps(ctx: DemoContext): Step[] {
  const sync = new SyncDemo(ctx);
  const step = (title: string, run: () => Promise<string>): Step => ({ network: 'sync', title, run });
  return [
    step(`start ${ctx.n} sync nodes (leasing on) and connect them`, () => sync.start()),
    step('every node sets one key', () => sync.setKeys()),
    step('another node tries to overwrite a leased key', () => sync.overwrite()),
    step('the lease holder deletes its key', () => sync.deleteKey()),
  ];
}

const keyOf = (d: SyncNode): string => `greeting-from-${d.name}`;
const valueOf = (d: SyncNode): string => `hello from ${d.name}`;

class SyncDemo {
  readonly #ctx: DemoContext;
  readonly #nodes: SyncNode[] = [];

  constructor(ctx: DemoContext) {
    this.#ctx = ctx;
  }

  async start(): Promise<string> {
    const n = this.#ctx.n;
    for (let i = 0; i < n; i++) {
      const socket = await SyncSocket.listen({ ...this.#ctx.listenOptions, leasing: true });
      const node = this.#ctx.add('sync', `s${i}`, socket, (d) => d.socket.size);
      socket.on('update', ({ meta }) => {
        if (meta.owner !== socket.id) node.received++;
      });
      this.#nodes.push(node);
    }
    const sync = this.#nodes;
    await connectLine(sync);
    await this.#ctx.wait(() => unreachable(sync));
    return `${n} nodes on ports ${portList(sync)}, ${linkCount(sync)} links`;
  }

  async setKeys(): Promise<string> {
    const n = this.#ctx.n;
    const sync = this.#nodes;
    for (const d of sync) d.socket.set(keyOf(d), valueOf(d));
    await this.#ctx.wait(() => {
      for (const holder of sync) {
        for (const writer of sync) {
          if (holder.socket.get(keyOf(writer)) !== valueOf(writer)) return `${holder.name} does not have ${keyOf(writer)} yet`;
        }
      }
      return undefined;
    });
    return `${n} keys written on ${n} different nodes; all ${n} nodes hold all ${n} (${n * n} copies)`;
  }

  async overwrite(): Promise<string> {
    const { owner, other } = this.#leaseParties();
    try {
      other.socket.set(keyOf(owner), `overwritten by ${other.name}`);
    } catch (err) {
      if (!isP2PError(err, 'LEASE_HELD')) throw err;
      await delay(100);
      const changed = this.#nodes.find((d) => d.socket.get(keyOf(owner)) !== valueOf(owner));
      if (changed) throw new DemoFailedError(`${changed.name} changed ${keyOf(owner)} although the lease was held`);
      return `${other.name} was refused with LEASE_HELD (${owner.name} holds the lease for an hour); the value is unchanged on every node`;
    }
    throw new DemoFailedError(`${other.name} could overwrite ${keyOf(owner)} although ${owner.name} holds the lease`);
  }

  async deleteKey(): Promise<string> {
    const { owner } = this.#leaseParties();
    owner.socket.delete(keyOf(owner));
    await this.#ctx.wait(() => {
      const holder = this.#nodes.find((d) => d.socket.has(keyOf(owner)));
      return holder && `${holder.name} still has ${keyOf(owner)}`;
    });
    return `${owner.name} deleted ${keyOf(owner)}: gone from all ${this.#ctx.n} nodes, ${this.#ctx.n - 1} keys remain on each`;
  }

  /**
   * The key's owner is the node with the smallest id: a write made within the same second as the
   * owner's would otherwise win the lease tie-break when its writer's id is smaller (PROTOCOL.md
   * 5.2, rule 5), which would make the check depend on the clock.
   */
  #leaseParties(): { owner: SyncNode; other: SyncNode } {
    const [owner, other] = [...this.#nodes].sort((a, b) => (a.socket.id < b.socket.id ? -1 : a.socket.id > b.socket.id ? 1 : 0));
    return { owner: owner!, other: other! };
  }
}
