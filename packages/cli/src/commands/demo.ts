/**
 * `p2p demo`: the whole stack in one process, over real TCP on 127.0.0.1. Starts N mesh, N sync
 * and N chord nodes, connects them, broadcasts and replies, replicates and leases keys, stores
 * keys in the DHT, kills a node without warning and reads every key back from the survivors.
 * Each step is a check with a deadline; the result says which held, honestly and with timings.
 */
import { isP2PError, type Logger, type Message } from '@p2p/base';
import { ChordSocket } from '@p2p/chord';
import { MeshSocket, type MeshConnection } from '@p2p/mesh';
import { SyncSocket } from '@p2p/sync';
import { DemoFailedError, describeError } from '../errors';
import { formatMs } from '../format';
import { writeLine, type OutputStream } from '../io';
import { LiveDisplay } from '../live-display';
import { addrText, type AnySocket } from '../node-session';
import { progressBar, renderTable, type Column } from '../status-table';
import { delay, waitUntil } from '../wait';

/** Options of {@link runDemo}. */
export interface DemoOptions {
  /** Nodes per network (mesh, sync, chord), 3 to 32. @default 5 */
  nodes?: number;
  /** Where the progress, checks and tables go. @default process.stdout */
  output?: OutputStream;
  /** Redraw a live status area. @default the output is a terminal */
  live?: boolean;
  /** Socket logger (the CLI's `--debug`). @default silent */
  logger?: Logger;
  /** Stops the demo early; running steps fail with "interrupted" and every node is closed. */
  signal?: AbortSignal;
}

/** One check the demo made. */
export interface DemoCheck {
  readonly network: Network;
  readonly title: string;
  /** `skipped`: an earlier step of the same network failed. */
  readonly result: 'ok' | 'failed' | 'skipped';
  /** What was observed (ok) or what was missing (failed). */
  readonly detail: string;
  readonly ms: number;
}

export interface DemoReport {
  /** Every check held (and the demo was not interrupted). */
  readonly ok: boolean;
  /** `signal` stopped the demo before every check was made. */
  readonly interrupted: boolean;
  readonly nodes: number;
  readonly checks: readonly DemoCheck[];
  readonly durationMs: number;
}

type Network = 'mesh' | 'sync' | 'chord';

interface DemoNode {
  readonly network: Network;
  readonly name: string;
  readonly socket: AnySocket;
  state: 'up' | 'killed' | 'closed';
  /** Mesh: messages received. Sync: remote writes applied. */
  received: number;
}

interface Step {
  readonly network: Network;
  readonly title: string;
  /** Runs the step and returns what it observed; throws when the check does not hold. */
  readonly run: () => Promise<string>;
}

export const DEMO_MIN_NODES = 3;
export const DEMO_MAX_NODES = 32;
const HOST = '127.0.0.1';
/** Every wait has a deadline well below what a healthy machine needs ten times over. */
const WAIT_MS = 8_000;
const CONNECT_MS = 5_000;
/** Chord reads in flight at once (each one is five lookups). */
const READ_CONCURRENCY = 32;

/** Runs the demo and returns its report; never throws for a failed check. */
export async function runDemo(options: DemoOptions = {}): Promise<DemoReport> {
  const n = options.nodes ?? 5;
  if (!Number.isInteger(n) || n < DEMO_MIN_NODES || n > DEMO_MAX_NODES) {
    throw new RangeError(`nodes must be a whole number from ${DEMO_MIN_NODES} to ${DEMO_MAX_NODES}`);
  }
  const out = options.output ?? process.stdout;
  const display = new LiveDisplay(out, options.live === undefined ? {} : { live: options.live });
  const logger = options.logger;
  const signal = options.signal;
  const wait = (pending: () => string | undefined | Promise<string | undefined>, timeout = WAIT_MS): Promise<void> =>
    waitUntil(pending, { timeout, ...(signal ? { signal } : {}) });

  const nodes: DemoNode[] = [];
  const byNetwork = (network: Network): DemoNode[] => nodes.filter((d) => d.network === network);
  const up = (network: Network): DemoNode[] => byNetwork(network).filter((d) => d.state === 'up');
  const checks: DemoCheck[] = [];
  const started = Date.now();
  let current = '';
  let stepStarted = started;

  // ------------------------------------------------------------------ mesh
  const hellos = new Map<DemoNode, string[]>();
  const pongs = new Set<string>();
  const meshSteps: Step[] = [
    {
      network: 'mesh',
      title: `start ${n} mesh nodes`,
      run: async () => {
        for (let i = 0; i < n; i++) {
          // One outgoing link each: the nodes stay a line, so broadcasts and replies must be relayed.
          const socket = await MeshSocket.listen({ host: HOST, maxOutgoing: 1, ...(logger ? { logger } : {}) });
          const node: DemoNode = { network: 'mesh', name: `m${i}`, socket, state: 'up', received: 0 };
          nodes.push(node);
          hellos.set(node, []);
          socket.on('message', (msg: Message) => {
            socket.recv(); // the listener handles it; keep the receive queue empty
            node.received++;
            const [, text] = msg.packets;
            if (typeof text === 'string' && text.startsWith('hello from ')) hellos.get(node)!.push(text);
            if (text === 'ping') void msg.reply('pong', node.name).catch(() => undefined);
            if (text === 'pong' && node.name === 'm0') pongs.add(String(msg.packets[2]));
          });
        }
        return `${n} nodes listening on ${HOST}, ports ${portList(byNetwork('mesh'))}`;
      },
    },
    {
      network: 'mesh',
      title: 'connect them in a line (one outgoing link each)',
      run: async () => {
        const mesh = byNetwork('mesh');
        await connectLine(mesh);
        await wait(() => unreachable(mesh));
        return `${linkCount(mesh)} links; every node reaches every other, the farthest ${diameter(mesh)} hops apart`;
      },
    },
    {
      network: 'mesh',
      title: 'every node broadcasts a line',
      run: async () => {
        const mesh = byNetwork('mesh');
        for (const node of mesh) node.socket.send([`hello from ${node.name}`]);
        await wait(() => {
          const short = mesh.find((d) => new Set(hellos.get(d)).size < n - 1);
          return short && `${short.name} received ${new Set(hellos.get(short)).size} of ${n - 1} broadcasts`;
        });
        // Anything duplicated or echoed back would arrive right behind the originals.
        await delay(150);
        for (const node of mesh) {
          const got = hellos.get(node)!;
          if (got.length !== n - 1 || got.includes(`hello from ${node.name}`)) {
            throw new DemoFailedError(`${node.name} received ${got.length} broadcasts for ${n - 1} sent by others (duplicates or its own)`);
          }
        }
        return `${n * (n - 1)} deliveries (${n} broadcasts x ${n - 1} receivers, relayed node to node), each exactly once`;
      },
    },
    {
      network: 'mesh',
      title: 'm0 asks, everyone replies to m0',
      run: async () => {
        const [m0, ...others] = byNetwork('mesh');
        const far = others.filter((d) => !m0!.socket.peers.has(d.socket.id)).length;
        m0!.socket.send(['ping']);
        await wait(() => (pongs.size < n - 1 ? `m0 received ${pongs.size} of ${n - 1} replies` : undefined));
        return `${n - 1} replies reached m0, ${far} of them from nodes that first had to find a route to it`;
      },
    },
  ];

  // ------------------------------------------------------------------ sync
  const syncKey = (d: DemoNode): string => `greeting-from-${d.name}`;
  const syncValue = (d: DemoNode): string => `hello from ${d.name}`;
  const syncSteps: Step[] = [
    {
      network: 'sync',
      title: `start ${n} sync nodes (leasing on) and connect them`,
      run: async () => {
        for (let i = 0; i < n; i++) {
          const socket = await SyncSocket.listen({ host: HOST, leasing: true, ...(logger ? { logger } : {}) });
          const node: DemoNode = { network: 'sync', name: `s${i}`, socket, state: 'up', received: 0 };
          socket.on('update', ({ meta }) => {
            if (meta.owner !== socket.id) node.received++;
          });
          nodes.push(node);
        }
        const sync = byNetwork('sync');
        await connectLine(sync);
        await wait(() => unreachable(sync));
        return `${n} nodes on ports ${portList(sync)}, ${linkCount(sync)} links`;
      },
    },
    {
      network: 'sync',
      title: 'every node sets one key',
      run: async () => {
        const sync = byNetwork('sync');
        for (const d of sync) (d.socket as SyncSocket).set(syncKey(d), syncValue(d));
        await wait(() => {
          for (const holder of sync) {
            for (const writer of sync) {
              const value = (holder.socket as SyncSocket).get(syncKey(writer));
              if (value !== syncValue(writer)) return `${holder.name} does not have ${syncKey(writer)} yet`;
            }
          }
          return undefined;
        });
        return `${n} keys written on ${n} different nodes; all ${n} nodes hold all ${n} (${n * n} copies)`;
      },
    },
    {
      network: 'sync',
      title: 'another node tries to overwrite a leased key',
      run: async () => {
        const { owner, other } = leaseParties();
        try {
          (other.socket as SyncSocket).set(syncKey(owner), `overwritten by ${other.name}`);
        } catch (err) {
          if (!isP2PError(err, 'LEASE_HELD')) throw err;
          await delay(100);
          const changed = byNetwork('sync').find((d) => (d.socket as SyncSocket).get(syncKey(owner)) !== syncValue(owner));
          if (changed) throw new DemoFailedError(`${changed.name} changed ${syncKey(owner)} although the lease was held`);
          return `${other.name} was refused with LEASE_HELD (${owner.name} holds the lease for an hour); the value is unchanged on every node`;
        }
        throw new DemoFailedError(`${other.name} could overwrite ${syncKey(owner)} although ${owner.name} holds the lease`);
      },
    },
    {
      network: 'sync',
      title: 'the lease holder deletes its key',
      run: async () => {
        const sync = byNetwork('sync');
        const { owner } = leaseParties();
        (owner.socket as SyncSocket).delete(syncKey(owner));
        await wait(() => {
          const holder = sync.find((d) => (d.socket as SyncSocket).has(syncKey(owner)));
          return holder && `${holder.name} still has ${syncKey(owner)}`;
        });
        return `${owner.name} deleted ${syncKey(owner)}: gone from all ${n} nodes, ${n - 1} keys remain on each`;
      },
    },
  ];
  /**
   * The key's owner is the node with the smallest id: a write made within the same second as the
   * owner's would otherwise win the lease tie-break when its writer's id is smaller (PROTOCOL.md
   * 5.2, rule 5), which would make the check depend on the clock.
   */
  function leaseParties(): { owner: DemoNode; other: DemoNode } {
    const [owner, other] = [...byNetwork('sync')].sort((a, b) => (a.socket.id < b.socket.id ? -1 : a.socket.id > b.socket.id ? 1 : 0));
    return { owner: owner!, other: other! };
  }

  // ------------------------------------------------------------------ chord
  const keyCount = Math.max(10, 2 * n);
  const chordKeys = Array.from({ length: keyCount }, (_, i) => [`key-${i}`, `value ${i}`] as const);
  const chord = (): ChordSocket[] => up('chord').map((d) => d.socket as ChordSocket);
  const chordSteps: Step[] = [
    {
      network: 'chord',
      title: `start ${n} chord nodes, connect, join the ring`,
      run: async () => {
        for (let i = 0; i < n; i++) {
          const socket = await ChordSocket.listen({
            host: HOST,
            // A demo node vanishes without handing its data over, like a crash; repair is quick.
            handoffOnClose: false,
            republishDelay: 200,
            ...(logger ? { logger } : {}),
          });
          nodes.push({ network: 'chord', name: `c${i}`, socket, state: 'up', received: 0 });
        }
        await connectLine(byNetwork('chord'));
        for (const socket of chord()) socket.join();
        await wait(() => ringPending(chord()), 15_000);
        await quiet(chord());
        return `${n} storing nodes on ports ${portList(byNetwork('chord'))}; each knows its ring neighbours`;
      },
    },
    {
      network: 'chord',
      title: `store ${keyCount} keys and read each from another node`,
      run: async () => {
        const ring = chord();
        chordKeys.forEach(([key, value], i) => ring[i % n]!.set(key, value));
        // Stores travel to the five responsible nodes in the background; read once they landed.
        await replicas(ring);
        await readAll(
          chordKeys.map(([key, value], i) => ({ reader: ring[(i + 1) % n]!, key, value })),
          (socket) => nameOf(socket),
        );
        return `${keyCount} keys set from ${n} nodes and read back from a different node (3 of 5 replicas agreeing); ${entries(ring)} replica entries stored`;
      },
    },
    {
      network: 'chord',
      title: 'kill the node holding the most data',
      run: async () => {
        const victim = up('chord').reduce((a, b) => (held(b) > held(a) ? b : a));
        const had = held(victim);
        const total = entries(chord());
        const socket = victim.socket as ChordSocket;
        // No goodbye: every connection is cut at once and nothing is handed over.
        for (const conn of [...socket.peers.values(), ...socket.pendingConnections]) (conn as MeshConnection).destroy();
        await socket.close();
        victim.state = 'killed';
        return `${victim.name} vanished without a word while holding ${had} of ${total} replica entries`;
      },
    },
    {
      network: 'chord',
      title: 'read every key from every survivor',
      run: async () => {
        const survivors = chord();
        const t0 = Date.now();
        await wait(() => ringPending(survivors), 15_000);
        const repaired = (await replicas(survivors)) ? Date.now() - t0 : undefined;
        await readAll(
          survivors.flatMap((reader) => chordKeys.map(([key, value]) => ({ reader, key, value }))),
          (socket) => nameOf(socket),
          15_000,
        );
        return `all ${keyCount} keys readable from each of the ${survivors.length} survivors ${formatMs(Date.now() - t0)} after the kill (${repaired === undefined ? 'not every lost replica was re-created' : `lost replicas re-created in ${formatMs(repaired)}`}; ${entries(survivors)} entries held)`;
      },
    },
  ];

  /**
   * Waits (a bounded while, never failing: the reads decide) until the ring holds all five
   * replicas of every key; tells whether it got there.
   */
  async function replicas(ring: ChordSocket[]): Promise<boolean> {
    return wait(() => (entries(ring) >= 5 * keyCount ? undefined : 'replicas missing'), 5_000).then(
      () => true,
      () => false,
    );
  }

  const nameOf = (socket: AnySocket): string => nodes.find((d) => d.socket === socket)?.name ?? '?';
  const held = (d: DemoNode): number => (d.socket as ChordSocket).storedEntries;

  const phases = [meshSteps, syncSteps, chordSteps];
  const total = phases.reduce((sum, p) => sum + p.length, 0);

  // ------------------------------------------------------------------ display
  const columns: Array<Column<DemoNode>> = [
    { header: 'node', value: (d) => d.name },
    { header: 'address', value: (d) => addrText(d.socket.outAddr) },
    { header: 'peers', value: (d) => (d.state === 'up' ? d.socket.peers.size : '-'), align: 'right' },
    { header: 'received', value: (d) => (d.network === 'chord' ? '-' : d.received), align: 'right' },
    { header: 'stored', value: (d) => stored(d), align: 'right' },
    { header: 'state', value: (d) => d.state },
  ];
  const table = (rows: DemoNode[]): string[] => (rows.length === 0 ? [] : renderTable(columns, rows).map((l) => `  ${l}`));
  // A live area taller than the terminal cannot be redrawn in place: then one row per network.
  const summaryColumns: Array<Column<Network>> = [
    { header: 'network', value: (net) => net },
    { header: 'nodes', value: (net) => `${up(net).length}/${byNetwork(net).length}`, align: 'right' },
    { header: 'links', value: (net) => linkCount(up(net)), align: 'right' },
    { header: 'received', value: (net) => (net === 'chord' ? '-' : sum(byNetwork(net), (d) => d.received)), align: 'right' },
    { header: 'stored', value: (net) => (net === 'mesh' ? '-' : sum(up(net), (d) => Number(stored(d)))), align: 'right' },
  ];
  const liveTable = (): string[] => {
    const rows = (out.rows ?? 24) - 6;
    if (nodes.length <= rows) return table(nodes);
    const nets = (['mesh', 'sync', 'chord'] as const).filter((net) => byNetwork(net).length > 0);
    return renderTable(summaryColumns, nets).map((l) => `  ${l}`);
  };
  display.start(() => [
    '',
    ...liveTable(),
    '',
    `${display.spinner} ${progressBar(checks.length, total)} ${checks.length}/${total}  ${current}  ${formatMs(Date.now() - stepStarted)}`,
  ]);
  display.log(`p2p demo: ${n} mesh, ${n} sync and ${n} chord nodes in this process, over TCP on ${HOST}`);

  try {
    for (const steps of phases) {
      let failed = false;
      for (const step of steps) {
        current = `${step.network}: ${step.title}`;
        stepStarted = Date.now();
        if (signal?.aborted) break;
        if (failed) {
          record(step, 'skipped', `an earlier ${step.network} step failed`, 0);
          continue;
        }
        try {
          record(step, 'ok', await step.run(), Date.now() - stepStarted);
        } catch (err) {
          if (signal?.aborted) break; // interrupted, not failed
          failed = true;
          record(step, 'failed', describeError(err), Date.now() - stepStarted);
        }
      }
      // Not on a terminal: no live area, so show each network's table once its steps are done.
      const rows = byNetwork(steps[0]!.network);
      if (!display.live && rows.length > 0) ['', ...table(rows), ''].forEach((l) => display.log(l));
      if (signal?.aborted) break;
    }
  } finally {
    current = 'closing every node';
    await Promise.allSettled(
      nodes.map(async (d) => {
        if (d.state !== 'up') return;
        await d.socket.close();
        d.state = 'closed';
      }),
    );
    current = 'done';
    display.stop();
  }

  const durationMs = Date.now() - started;
  const failures = checks.filter((c) => c.result === 'failed');
  const skipped = checks.filter((c) => c.result === 'skipped').length;
  const interrupted = checks.length < total;
  const ok = !interrupted && failures.length === 0 && skipped === 0;
  const first = failures[0];
  let summary: string;
  if (ok) summary = display.paint(`demo passed: all ${total} checks held in ${formatMs(durationMs)}`, 'good');
  else if (first) {
    summary = display.paint(
      `demo FAILED: ${failures.length} of ${total} checks failed${skipped > 0 ? `, ${skipped} skipped` : ''}${interrupted ? ', then interrupted' : ''} ` +
        `in ${formatMs(durationMs)}; first failure: ${first.network}: ${first.title}: ${first.detail}`,
      'bad',
    );
  } else {
    summary = display.paint(`demo interrupted after ${checks.length} of ${total} checks (all held) in ${formatMs(durationMs)}`, 'bad');
  }
  writeLine(out, summary);
  return { ok, interrupted, nodes: n, checks, durationMs };

  function record(step: Step, result: DemoCheck['result'], detail: string, ms: number): void {
    checks.push({ network: step.network, title: step.title, result, detail, ms });
    const mark = result === 'ok' ? display.paint('ok  ', 'good') : result === 'failed' ? display.paint('FAIL', 'bad') : display.paint('skip', 'dim');
    const num = `[${String(checks.length).padStart(String(total).length)}/${total}]`;
    display.log(`${num} ${mark}  ${step.network.padEnd(5)}  ${step.title}: ${detail}${result === 'skipped' ? '' : ` (${formatMs(ms)})`}`);
  }

  async function connectLine(list: DemoNode[]): Promise<void> {
    for (let i = 1; i < list.length; i++) {
      const [host, port] = list[i - 1]!.socket.outAddr;
      await list[i]!.socket.connect(host, port, { timeout: CONNECT_MS });
    }
  }

  /** Reads every `(reader, key)` until it gives `value`, retrying what is not there yet. */
  async function readAll(
    reads: Array<{ reader: ChordSocket; key: string; value: string }>,
    name: (socket: AnySocket) => string,
    timeout = WAIT_MS,
  ): Promise<void> {
    let pending = reads;
    let last = '';
    await wait(async () => {
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

/** Sync: keys held. Chord: replica entries held (five per key across the ring). */
function stored(d: DemoNode): string | number {
  if (d.network === 'sync') return (d.socket as SyncSocket).size;
  if (d.network === 'chord') return d.state === 'up' ? (d.socket as ChordSocket).storedEntries : '-';
  return '-';
}

function sum<T>(items: readonly T[], fn: (item: T) => number): number {
  return items.reduce((total, item) => total + fn(item), 0);
}

function portList(list: DemoNode[]): string {
  const ports = list.map((d) => d.socket.outAddr[1]);
  return ports.length <= 6 ? ports.join(', ') : `${ports.slice(0, 4).join(', ')}, ... (${ports.length} ports)`;
}

/** `fn` over `items` with at most `limit` calls running at once; results in order. */
async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

function linkCount(list: DemoNode[]): number {
  return list.reduce((sum, d) => sum + d.socket.peers.size, 0) / 2;
}

/** Undefined when every node reaches every other through peer links, else who is cut off. */
function unreachable(list: DemoNode[]): string | undefined {
  const byId = new Map(list.map((d) => [d.socket.id, d]));
  const seen = new Set<string>([list[0]!.socket.id]);
  const queue = [list[0]!];
  while (queue.length > 0) {
    const d = queue.shift()!;
    for (const id of d.socket.peers.keys()) {
      const next = byId.get(id);
      if (next && !seen.has(id)) {
        seen.add(id);
        queue.push(next);
      }
    }
  }
  const cut = list.find((d) => !seen.has(d.socket.id));
  return cut && `${cut.name} is not reachable from ${list[0]!.name}`;
}

/** The largest number of hops between two nodes (breadth-first search from each). */
function diameter(list: DemoNode[]): number {
  const byId = new Map(list.map((d) => [d.socket.id, d]));
  let most = 0;
  for (const start of list) {
    const hops = new Map<DemoNode, number>([[start, 0]]);
    const queue = [start];
    while (queue.length > 0) {
      const d = queue.shift()!;
      for (const id of d.socket.peers.keys()) {
        const next = byId.get(id);
        if (next && !hops.has(next)) {
          hops.set(next, hops.get(d)! + 1);
          most = Math.max(most, hops.get(next)!);
          queue.push(next);
        }
      }
    }
  }
  return most;
}

function idOf(socket: ChordSocket, node: ChordSocket | MeshConnection | undefined): string | undefined {
  if (node === undefined) return undefined;
  return node === socket ? socket.id : (node as MeshConnection).peerId;
}

/** Undefined once every live storing node sees its true successor and predecessor. */
function ringPending(ring: ChordSocket[]): string | undefined {
  const live = ring.filter((s) => !s.closed && s.isStoring).sort((a, b) => (a.idInt < b.idInt ? -1 : 1));
  for (let i = 0; i < live.length; i++) {
    const s = live[i]!;
    const succ = live[(i + 1) % live.length]!;
    const pred = live[(i - 1 + live.length) % live.length]!;
    if (idOf(s, s.successor) !== succ.id || idOf(s, s.predecessor) !== pred.id) return 'the ring has not settled';
  }
  return undefined;
}

function entries(ring: ChordSocket[]): number {
  return ring.reduce((sum, s) => sum + s.storedEntries, 0);
}

/** Waits until no connection opened or closed for a moment: a new ring trims and re-dials briefly. */
async function quiet(ring: ChordSocket[], ms = 300, timeout = 3_000): Promise<void> {
  let last = Date.now();
  const offs = ring.flatMap((s) => [s.on('peer:connect', () => (last = Date.now())), s.on('peer:disconnect', () => (last = Date.now()))]);
  try {
    await waitUntil(() => (Date.now() - last >= ms ? undefined : 'connections are still changing'), { timeout }).catch(() => undefined);
  } finally {
    for (const off of offs) off();
  }
}
