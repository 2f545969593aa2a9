/** The {@link MeshHost} a socket hands the layer that extended it. */
import { MainFlags, type Message, type P2PError } from '@p2p/base';
import type { MeshContext } from './context';
import type { Dispatcher } from './dispatcher';
import type { MeshHost } from './extension';
import { linkOf, type MeshConnection } from './mesh-connection';
import type { PeerTable } from './peer-table';
import type { Sender } from './sender';

export interface HostParts {
  readonly ctx: MeshContext;
  readonly table: PeerTable;
  readonly sender: Sender;
  readonly dispatcher: Dispatcher;
  deliver(message: Message): void;
}

export function createHost(parts: HostParts): MeshHost {
  const { ctx, table, sender, dispatcher } = parts;
  return Object.freeze({
    get id() {
      return ctx.id;
    },
    get protocol() {
      return ctx.protocol;
    },
    identity: ctx.identity,
    authenticated: ctx.identity !== undefined,
    get outAddr() {
      return ctx.outAddr;
    },
    get logger() {
      return ctx.logger;
    },
    get closed() {
      return ctx.closed;
    },
    clock: ctx.clock,
    metrics: ctx.metrics.registry,
    limits: ctx.limits,
    maxOutgoing: ctx.maxOutgoing,
    compression: ctx.compression,
    peers: table.peers,
    get outgoingCount() {
      return table.outgoingCount;
    },
    connections: () => table.links().map((l) => l.connection),
    nowSeconds: () => ctx.nowSeconds(),
    sendTo: (conn: MeshConnection, flag: number, type: number, packets: readonly unknown[]) => {
      const { id, time, written } = sender.sendTo(linkOf(conn), flag, type, packets);
      return { id, time, written };
    },
    broadcast: (type: number, packets: readonly unknown[]) => sender.sendToAll(MainFlags.broadcast, type, packets),
    resendHandshake: (conn: MeshConnection) => sender.handshake(linkOf(conn)),
    sendPeers: (conn: MeshConnection) => sender.peers(linkOf(conn)),
    malformed: (conn: MeshConnection, wire, error) => dispatcher.malformed(linkOf(conn), wire, error, true),
    deliver: (message: Message) => parts.deliver(message),
    reportError: (error: P2PError) => ctx.report(error),
  } satisfies MeshHost);
}
