/**
 * Bootstrapping through a seed (PROTOCOL.md 8), as py2p/js2p 0.7 do and as `p2p seed` serves
 * it: a seed is a chord node on `Protocol('bootstrap', encryption)`. The client joins that
 * network with a temporary mesh socket, applies the delta `{this node's id (bin): out_addr}`
 * under the key `protocol id (bytes)` to the five chord tables, reads the five entries back,
 * and this node dials the nodes registered there until more than four are connected.
 *
 * Mesh cannot import chord (layers), so the few chord messages a client needs live here:
 * `whisper / delta [method, key, map]`, `whisper / retrieve [method, key]`, the answer
 * `whisper / retrieved [method, key, value]`, and `whisper / notify [key]` (so the seed learns
 * the key). Their layouts match chord's messages.ts and py2p's traffic (the tests check them
 * against tooling/testnet/vectors/traffic-chord.json). The five ring keys are chord's
 * `getHashes` (PROTOCOL.md 2.5) in base58, as bin.
 */
import {
  AbortError,
  MainFlags,
  SubFlags,
  base58EncodeInt,
  bytesToBigInt,
  fieldText,
  isMapping,
  sha1,
  sha224,
  sha256,
  sha384,
  sha512,
  utf8Decode,
  utf8Encode,
  Protocol,
  type Message,
  type WaitOptions,
} from '@p2p/base';
import { BootstrapFailedError } from './errors';
import type { PeerInfo } from './events';
import type { MeshConnection } from './mesh-connection';
import type { MeshSocketOptions } from './options';

/** Options of {@link MeshSocket.bootstrap}. */
export interface BootstrapOptions extends WaitOptions {
  /** Stop dialing registered nodes once this many peers are connected (py2p: more than 4). @default 5 */
  peers?: number;
}

/** What one bootstrap round did. */
export interface BootstrapResult {
  /** Seeds that answered. */
  readonly seeds: number;
  /** Other nodes the seeds listed under this protocol id. */
  readonly registered: number;
  /** Peers connected by this round. */
  readonly connected: readonly PeerInfo[];
}

/** The five chord table names, in py2p's order (PROTOCOL.md 2.5), as they travel (bin). */
export const CHORD_METHODS = Object.freeze(['sha1', 'sha224', 'sha256', 'sha384', 'sha512'] as const);

/** One chord table slot: method name and ring key (base58 of the hash integer), both bin. */
export interface RegistrySlot {
  readonly method: string;
  readonly methodBin: Uint8Array;
  readonly key: string;
  readonly keyBin: Uint8Array;
}

/** Registry entries acted on per seed answer (PROTOCOL.md 9, F12). */
const MAX_REGISTRY_ENTRIES = 256;

/** The five slots chord stores `key` in (chord's `getHashes`, PROTOCOL.md 2.5). */
export function registrySlots(key: Uint8Array): RegistrySlot[] {
  const ks = [
    bytesToBigInt(sha1(key)) << 224n,
    bytesToBigInt(sha224(key)) << 160n,
    bytesToBigInt(sha256(key)) << 128n,
    bytesToBigInt(sha384(key)),
    bytesToBigInt(sha512(key)),
  ];
  return CHORD_METHODS.map((method, i) => {
    const text = base58EncodeInt(ks[i]!);
    return { method, methodBin: utf8Encode(method), key: text, keyBin: utf8Encode(text) };
  });
}

/** The registration: a bin-keyed map `{node id: [host, port]}` (PROTOCOL.md 8, 1.5). */
export function registrationDelta(id: string, outAddr: readonly [string, number]): Map<Uint8Array, [string, number]> {
  return new Map([[utf8Encode(id), [outAddr[0], outAddr[1]]]]);
}

/** One chord message: main flag, sub-flag, and the packets after the sub-flag (as chord's messages.ts). */
export interface SeedMessage {
  readonly flag: number;
  readonly type: number;
  readonly packets: readonly unknown[];
}

/** `whisper / delta [method, key, map]` (PROTOCOL.md 6.4; chord's `deltaMessage`). */
export function deltaMessage(slot: RegistrySlot, delta: unknown): SeedMessage {
  return { flag: MainFlags.whisper, type: SubFlags.delta, packets: [slot.methodBin, slot.keyBin, delta] };
}

/** `whisper / retrieve [method, key]` (PROTOCOL.md 6.4; chord's `retrieveMessage`). */
export function retrieveMessage(slot: RegistrySlot): SeedMessage {
  return { flag: MainFlags.whisper, type: SubFlags.retrieve, packets: [slot.methodBin, slot.keyBin] };
}

/** `whisper / notify [key]` (PROTOCOL.md 6.3; chord's `keyNoticeMessage`), so the seed lists the key. */
export function noticeMessage(key: Uint8Array): SeedMessage {
  return { flag: MainFlags.whisper, type: SubFlags.notify, packets: [key] };
}

/** The chord messages of one registration: five deltas, the key notice, five retrieves. */
export function registrationMessages(protocolId: string, id: string, outAddr: readonly [string, number]) {
  const key = utf8Encode(protocolId);
  const slots = registrySlots(key);
  const delta = registrationDelta(id, outAddr);
  return {
    slots,
    deltas: slots.map((s) => deltaMessage(s, delta)),
    retrieves: slots.map((s) => retrieveMessage(s)),
    notice: noticeMessage(key),
  };
}

/** Reads a registry value (a map of node id to `[host, port]`); anything malformed is skipped. */
export function parseRegistry(value: unknown, limit = MAX_REGISTRY_ENTRIES): Array<{ id: string; addr: [string, number] }> {
  if (!isMapping(value)) return [];
  const pairs: Iterable<[unknown, unknown]> = value instanceof Map ? value : Object.entries(value);
  const out: Array<{ id: string; addr: [string, number] }> = [];
  for (const [k, v] of pairs) {
    if (out.length >= limit) break;
    const id = typeof k === 'string' ? k : k instanceof Uint8Array ? safeText(k) : undefined;
    if (!id || !Array.isArray(v) || v.length !== 2) continue;
    const host = fieldText(v[0]);
    const port = v[1];
    if (host === undefined || typeof port !== 'number' || !Number.isInteger(port) || port <= 0 || port > 65535) continue;
    out.push({ id, addr: [host, port] });
  }
  return out;
}

function safeText(bytes: Uint8Array): string | undefined {
  try {
    return utf8Decode(bytes);
  } catch {
    return undefined;
  }
}

/** The temporary socket on the bootstrap protocol (a MeshSocket; a structural type avoids the import cycle). */
export interface SeedClientSocket {
  connect(host: string, port: number, options?: WaitOptions): Promise<PeerInfo>;
  registerHandler(handler: (message: Message, connection: MeshConnection) => boolean | void, options?: { checkArity?: boolean }): () => void;
  close(): Promise<void>;
}

/** The node being bootstrapped (a MeshSocket). */
export interface BootstrapNode {
  readonly id: string;
  readonly protocol: { readonly id: string; readonly encryption: string };
  readonly outAddr: readonly [string, number];
  readonly peers: ReadonlyMap<string, unknown>;
  connect(host: string, port: number, options: WaitOptions & { id?: string }): Promise<PeerInfo>;
}

/**
 * Options of the temporary socket on `Protocol('bootstrap', encryption)`: the node's own
 * transport settings, no automatic dials (it must not join other nodes' bootstrap sockets), no
 * re-dials, no liveness pings.
 */
export function seedClientOptions(protocol: { readonly encryption: string }, node: MeshSocketOptions): MeshSocketOptions {
  return {
    protocol: new Protocol('bootstrap', protocol.encryption),
    ...(node.host !== undefined ? { host: node.host } : {}),
    ...(node.transport ? { transport: node.transport } : {}),
    ...(node.transportOptions ? { transportOptions: node.transportOptions } : {}),
    ...(node.logger ? { logger: node.logger } : {}),
    ...(node.clock ? { clock: node.clock } : {}),
    maxOutgoing: 0,
    reconnect: false,
    liveness: false,
  };
}

/**
 * One bootstrap round: register with every seed, read the registry back, dial registered
 * nodes in random order until `peers` are connected, close the temporary socket.
 * @throws BootstrapFailedError (`BOOTSTRAP_FAILED`) when no seed answered
 */
export async function bootstrapThroughSeeds(
  node: BootstrapNode,
  seeds: ReadonlyArray<readonly [string, number]>,
  openClient: () => Promise<SeedClientSocket>,
  options: BootstrapOptions = {},
): Promise<BootstrapResult> {
  const timeout = options.timeout ?? 5_000;
  const wanted = options.peers ?? 5;
  const registry = new Map<string, [string, number]>();
  const client = await openClient();
  let reached = 0;
  const failures: string[] = [];
  try {
    const messages = registrationMessages(node.protocol.id, node.id, node.outAddr);
    await Promise.all(
      seeds.map(async ([host, port]) => {
        try {
          const seed = await client.connect(host, port, { signal: options.signal, timeout });
          await readRegistry(client, seed.connection, messages, registry, timeout, options.signal);
          reached++;
        } catch (err) {
          const text = (err as Error).message;
          failures.push(text.includes(`${host}:${port}`) ? text : `${host}:${port}: ${text}`);
        }
      }),
    );
  } finally {
    await client.close();
  }
  if (reached === 0) {
    throw new BootstrapFailedError(
      `no seed answered (${failures.join('; ') || 'no seeds given'}); check the seed addresses, and that the seeds run \`p2p seed\` with the same encryption`,
      { details: { seeds: seeds.map((s) => `${s[0]}:${s[1]}`) } },
    );
  }
  registry.delete(node.id);
  const candidates = [...registry];
  for (let i = candidates.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [candidates[i], candidates[j]] = [candidates[j]!, candidates[i]!];
  }
  const connected: PeerInfo[] = [];
  for (const [id, [host, port]] of candidates) {
    if (node.peers.size >= wanted || options.signal?.aborted) break;
    if (node.peers.has(id)) continue;
    try {
      connected.push(await node.connect(host, port, { id, timeout, signal: options.signal }));
    } catch (err) {
      // A registered node may be gone; the registry keeps stale entries (py2p never removes them).
      void err;
    }
  }
  return Object.freeze({ seeds: reached, registered: registry.size, connected: Object.freeze(connected) });
}

/** Sends the registration on `seed` and merges every non-nil answer, until all five slots answered. */
async function readRegistry(
  client: SeedClientSocket,
  seed: MeshConnection,
  messages: ReturnType<typeof registrationMessages>,
  registry: Map<string, [string, number]>,
  timeout: number,
  signal: AbortSignal | undefined,
): Promise<void> {
  const bySlot = new Map(messages.slots.map((s) => [`${s.method} ${s.key}`, s]));
  const answered = new Set<string>();
  let done!: () => void;
  const complete = new Promise<void>((resolve) => (done = resolve));
  const off = client.registerHandler(
    (message, connection) => {
      const p = message.packets;
      if (connection !== seed || p[0] !== SubFlags.retrieved || p.length !== 4) return false;
      const slot = `${fieldText(p[1])} ${fieldText(p[2])}`;
      if (!bySlot.has(slot)) return false;
      // A forwarding chord node answers nil first and the value later (PROTOCOL.md 6.4).
      if (p[3] === null || p[3] === undefined) return true;
      for (const { id, addr } of parseRegistry(p[3])) registry.set(id, addr);
      answered.add(slot);
      if (answered.size === bySlot.size) done();
      return true;
    },
    { checkArity: false },
  );
  // Whatever arrived by the deadline counts: a ring of seeds may leave a slot unanswered.
  const timer = setTimeout(done, timeout);
  const onAbort = (): void => done();
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    for (const m of [...messages.deltas, messages.notice, ...messages.retrieves]) seed.send(m.flag, m.packets, { type: m.type });
    await complete;
    if (signal?.aborted) throw new AbortError('bootstrap was aborted', { cause: signal.reason });
    if (answered.size === 0) throw new BootstrapFailedError(`the seed sent no registry within ${timeout} ms`);
  } finally {
    clearTimeout(timer);
    off();
    signal?.removeEventListener('abort', onAbort);
  }
}
