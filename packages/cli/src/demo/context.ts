/**
 * What every demo step works with: the node count, the options each socket listens with, the
 * nodes started so far (for the status table and the teardown), and waits bounded by the demo's
 * deadlines and its signal.
 */
import type { Logger } from '@p2p/base';
import type { AnySocket } from '../node-session';
import { waitUntil } from '../wait';

export type Network = 'mesh' | 'sync' | 'chord';

export const HOST = '127.0.0.1';
/** Every wait has a deadline well below what a healthy machine needs ten times over. */
export const WAIT_MS = 8_000;

export interface DemoNode<S extends AnySocket = AnySocket> {
  readonly network: Network;
  readonly name: string;
  readonly socket: S;
  state: 'up' | 'killed' | 'closed';
  /** Mesh: messages received. Sync: remote writes applied. */
  received: number;
  /** The table's stored column (sync: keys, chord: replica entries); undefined shows `-`. */
  readonly stored: () => number | undefined;
}

/** One check of the demo. */
export interface Step {
  readonly network: Network;
  readonly title: string;
  /** Runs the step and returns what it observed; throws when the check does not hold. */
  readonly run: () => Promise<string>;
}

export class DemoContext {
  /** Nodes per network. */
  readonly n: number;
  readonly signal: AbortSignal | undefined;
  readonly #nodes: DemoNode[] = [];
  readonly #logger: Logger | undefined;

  constructor(n: number, options: { logger?: Logger | undefined; signal?: AbortSignal | undefined }) {
    this.n = n;
    this.signal = options.signal;
    this.#logger = options.logger;
  }

  /** Every node, in the order they started. */
  get nodes(): readonly DemoNode[] {
    return this.#nodes;
  }

  /** What every demo socket listens with: the loopback host and the CLI's logger. */
  get listenOptions(): { host: string; logger?: Logger } {
    return { host: HOST, ...(this.#logger ? { logger: this.#logger } : {}) };
  }

  /** Tracks a started node; `stored` fills the table's stored column. */
  add<S extends AnySocket>(
    network: Network,
    name: string,
    socket: S,
    stored: (node: DemoNode<S>) => number | undefined = () => undefined,
  ): DemoNode<S> {
    const node: DemoNode<S> = { network, name, socket, state: 'up', received: 0, stored: () => stored(node) };
    this.#nodes.push(node);
    return node;
  }

  byNetwork(network: Network): DemoNode[] {
    return this.#nodes.filter((d) => d.network === network);
  }

  up(network: Network): DemoNode[] {
    return this.byNetwork(network).filter((d) => d.state === 'up');
  }

  nameOf(socket: AnySocket): string {
    return this.#nodes.find((d) => d.socket === socket)?.name ?? '?';
  }

  /** Polls `pending` until it returns undefined; fails with its last text after `timeout` ms. */
  wait(pending: () => string | undefined | Promise<string | undefined>, timeout = WAIT_MS): Promise<void> {
    return waitUntil(pending, { timeout, ...(this.signal ? { signal: this.signal } : {}) });
  }

  /** Ends a node without warning, as a crash looks to its peers: no goodbye, nothing handed over. */
  async kill(node: DemoNode): Promise<void> {
    await node.socket.destroy();
    node.state = 'killed';
  }

  /** Closes every node still up (failures are ignored: the demo is ending). */
  async closeAll(): Promise<void> {
    await Promise.allSettled(
      this.#nodes.map(async (d) => {
        if (d.state !== 'up') return;
        await d.socket.close();
        d.state = 'closed';
      }),
    );
  }
}
