/**
 * The chord part of the demo: a ring forms; keys set on one node are read from another; the node
 * holding the most data is killed without warning, and every survivor still reads every key.
 */
import { ChordSocket } from '@p2p/chord';
import { describeError } from '../errors';
import { formatMs } from '../format';
import { mapLimit } from '../map-limit';
import { WAIT_MS, type DemoContext, type DemoNode, type Step } from './context';
import { entries, quiet, ringPending } from './chord-ring';
import { connectLine, portList } from './graph';

/** Chord reads in flight at once (each one is five lookups). */
const READ_CONCURRENCY = 32;

interface Read {
  readonly reader: ChordSocket;
  readonly key: string;
  readonly value: string;
}

export function chordSteps(ctx: DemoContext): Step[] {
  const chord = new ChordDemo(ctx);
  const step = (title: string, run: () => Promise<string>): Step => ({ network: 'chord', title, run });
  return [
    step(`start ${ctx.n} chord nodes, connect, join the ring`, () => chord.start()),
    step(`store ${chord.keys.length} keys and read each from another node`, () => chord.storeAndRead()),
    step('kill the node holding the most data', () => chord.killBiggest()),
    step('read every key from every survivor', () => chord.readFromSurvivors()),
  ];
}

class ChordDemo {
  readonly keys: ReadonlyArray<readonly [string, string]>;
  readonly #ctx: DemoContext;
  readonly #nodes: Array<DemoNode<ChordSocket>> = [];

  constructor(ctx: DemoContext) {
    this.#ctx = ctx;
    this.keys = Array.from({ length: Math.max(10, 2 * ctx.n) }, (_, i) => [`key-${i}`, `value ${i}`] as const);
  }

  async start(): Promise<string> {
    const n = this.#ctx.n;
    for (let i = 0; i < n; i++) {
      const socket = await ChordSocket.listen({
        ...this.#ctx.listenOptions,
        // Closing the demo's nodes hands nothing over (the killed one is destroyed anyway); repair is quick.
        handoffOnClose: false,
        republishDelay: 200,
      });
      this.#nodes.push(this.#ctx.add('chord', `c${i}`, socket, (d) => (d.state === 'up' ? d.socket.storedEntries : undefined)));
    }
    await connectLine(this.#nodes);
    for (const socket of this.#ring()) socket.join();
    await this.#ctx.wait(() => ringPending(this.#ring()), 15_000);
    await quiet(this.#ring());
    return `${n} storing nodes on ports ${portList(this.#nodes)}; each knows its ring neighbours`;
  }

  async storeAndRead(): Promise<string> {
    const n = this.#ctx.n;
    const ring = this.#ring();
    this.keys.forEach(([key, value], i) => ring[i % n]!.set(key, value));
    // Stores travel to the five responsible nodes in the background; read once they landed.
    await this.#replicas(ring);
    await this.#readAll(this.keys.map(([key, value], i) => ({ reader: ring[(i + 1) % n]!, key, value })));
    return `${this.keys.length} keys set from ${n} nodes and read back from a different node (3 of 5 replicas agreeing); ${entries(ring)} replica entries stored`;
  }

  async killBiggest(): Promise<string> {
    const victim = this.#nodes.filter((d) => d.state === 'up').reduce((a, b) => (held(b) > held(a) ? b : a));
    const had = held(victim);
    const total = entries(this.#ring());
    await this.#ctx.kill(victim);
    return `${victim.name} vanished without a word while holding ${had} of ${total} replica entries`;
  }

  async readFromSurvivors(): Promise<string> {
    const survivors = this.#ring();
    const t0 = Date.now();
    await this.#ctx.wait(() => ringPending(survivors), 15_000);
    const repaired = (await this.#replicas(survivors)) ? Date.now() - t0 : undefined;
    await this.#readAll(
      survivors.flatMap((reader) => this.keys.map(([key, value]) => ({ reader, key, value }))),
      15_000,
    );
    const repair = repaired === undefined ? 'not every lost replica was re-created' : `lost replicas re-created in ${formatMs(repaired)}`;
    return `all ${this.keys.length} keys readable from each of the ${survivors.length} survivors ${formatMs(Date.now() - t0)} after the kill (${repair}; ${entries(survivors)} entries held)`;
  }

  /** The sockets of the nodes still up. */
  #ring(): ChordSocket[] {
    return this.#nodes.filter((d) => d.state === 'up').map((d) => d.socket);
  }

  /**
   * Waits (a bounded while, never failing: the reads decide) until the ring holds all five
   * replicas of every key; tells whether it got there.
   */
  #replicas(ring: readonly ChordSocket[]): Promise<boolean> {
    return this.#ctx.wait(() => (entries(ring) >= 5 * this.keys.length ? undefined : 'replicas missing'), 5_000).then(
      () => true,
      () => false,
    );
  }

  /** Reads every `(reader, key)` until it gives `value`, retrying what is not there yet. */
  async #readAll(reads: readonly Read[], timeout = WAIT_MS): Promise<void> {
    const name = (socket: ChordSocket): string => this.#ctx.nameOf(socket);
    let pending = reads;
    let last = '';
    await this.#ctx.wait(async () => {
      const results = await mapLimit(pending, READ_CONCURRENCY, async (r) => {
        try {
          const got = await r.reader.get(r.key, undefined, { timeout: 1_500 });
          return got === r.value ? undefined : `${name(r.reader)} read ${r.key} as ${JSON.stringify(got)}`;
        } catch (err) {
          return `${name(r.reader)} could not read ${r.key}: ${describeError(err)}`;
        }
      });
      pending = pending.filter((_, i) => results[i] !== undefined);
      last = results.find((r) => r !== undefined) ?? last;
      return pending.length === 0 ? undefined : `${pending.length} of ${reads.length} reads still fail, e.g. ${last}`;
    }, timeout);
  }
}

const held = (d: DemoNode<ChordSocket>): number => d.socket.storedEntries;
