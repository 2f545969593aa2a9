/**
 * The parts of one chord node and what they share. The facade (chord-socket.ts) builds it once;
 * every part reaches the others through it, and the mesh only through `host` (mesh's extension
 * contract) and the four socket calls below.
 */
import type { MeshConnection, MeshHost } from '@p2p/mesh';
import type { ChordSocket } from './chord-socket';
import { Fingers } from './fingers';
import { LocalStore } from './local-store';
import { Lookups } from './lookups';
import type { ChordSettings } from './options';
import { Replication } from './replication';
import { Ring } from './ring';
import { RingKeyCodec } from './ring-key-codec';
import { Writes } from './writes';

/** This node (the socket), a peer's connection. */
export type ChordNode = ChordSocket | MeshConnection;

export interface ChordContext {
  readonly self: ChordSocket;
  readonly host: MeshHost;
  readonly settings: ChordSettings;
  readonly ring: Ring<ChordSocket>;
  readonly store: LocalStore;
  readonly lookups: Lookups;
  readonly writes: Writes;
  readonly replication: Replication;
  readonly fingers: Fingers;
  /** Ring keys to and from their base58 wire form, remembered (bounded). */
  readonly keys: RingKeyCodec;
  /** Emits a key announcement event on the socket, with a copy of `key` (made only when someone listens). */
  emitKey(event: 'add' | 'delete', key: Uint8Array): void;
  /** Drops a link (mesh's `disconnect`). */
  disconnect(connection: MeshConnection): void;
  /** Connections still waiting for the peer's handshake. */
  pendingConnections(): readonly MeshConnection[];
  /** Routed peers this node dialed. */
  outgoingCount(): number;
  /** Dials a peer heard of in a peers list (mesh's `connect`). */
  dial(addr: readonly [string, number], id: string, timeout: number): Promise<unknown>;
}

/** A connection when `node` is a peer, undefined when it is this node or nobody. */
export function remote(ctx: ChordContext, node: ChordNode | undefined): MeshConnection | undefined {
  return node === undefined || node === ctx.self ? undefined : (node as MeshConnection);
}

/** What the facade provides; {@link createContext} adds the parts. */
export type ContextBase = Omit<ChordContext, 'ring' | 'store' | 'lookups' | 'writes' | 'replication' | 'fingers' | 'keys'>;

/** Builds the parts of one node around `base`. */
export function createContext(base: ContextBase): ChordContext {
  const ctx = { ...base } as { -readonly [K in keyof ChordContext]: ChordContext[K] };
  ctx.keys = new RingKeyCodec();
  ctx.ring = new Ring(base.self, base.host);
  // With several backup holders, one more neighbour each side stays linked, so the nodes either
  // side of a gap of `backupCopies` lost nodes are still linked and the ring closes at once.
  ctx.ring.keep = base.settings.backupCopies > 1 ? base.settings.backupCopies + 1 : 1;
  ctx.store = new LocalStore(base.settings.maxKeys, {
    get closed() {
      return base.host.closed;
    },
    emitKey: base.emitKey,
    reportError: (error) => base.host.reportError(error),
  });
  ctx.lookups = new Lookups(ctx);
  ctx.writes = new Writes(ctx);
  ctx.replication = new Replication(ctx);
  ctx.fingers = new Fingers(ctx);
  return ctx;
}
