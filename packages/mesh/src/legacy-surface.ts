/**
 * The subclass surface from before the extension contract (extension.ts), kept while chord
 * moves to `extend()`; every member is deprecated and goes once nothing uses it.
 */
import { MainFlags, TypedEmitter, type Clock, type Logger, type P2PError, type Protocol, type WireMessage } from '@p2p/base';
import type { MeshContext } from './context';
import type { Dialer } from './dialer';
import type { Dispatcher } from './dispatcher';
import type { BuiltinHandler, MeshEvents } from './events';
import { linkOf, type MeshConnection } from './mesh-connection';
import type { ResolvedLimits } from './options';
import type { PeerTable } from './peer-table';
import type { Sender } from './sender';

/** The parts the deprecated members reach. */
export interface LegacyParts {
  readonly ctx: MeshContext;
  readonly dispatcher: Dispatcher;
  readonly sender: Sender;
  readonly table: PeerTable;
  readonly dialer: Dialer;
}

let bind: (socket: DeprecatedSubclassSurface<MeshEvents>, parts: LegacyParts) => void;

/** Gives a socket's deprecated members their parts (called once by the MeshSocket constructor). */
export function bindLegacy(socket: DeprecatedSubclassSurface<any>, parts: LegacyParts): void {
  bind(socket, parts);
}

/** @deprecated Base of MeshSocket holding the pre-`extend()` protected members. */
export abstract class DeprecatedSubclassSurface<E extends MeshEvents> extends TypedEmitter<E> {
  #parts!: LegacyParts;

  static {
    bind = (socket, parts) => {
      socket.#parts = parts;
    };
  }

  /**
   * @deprecated Pass `handlers` to {@link extend}. Adds a built-in handler for any sub-flag,
   * run after mesh's and the extension's.
   */
  protected addBuiltinHandler(handler: BuiltinHandler): void {
    this.#parts.dispatcher.addLegacy(handler);
  }

  /** @deprecated Use the extension's `handshakeSent`. Also called by `sendHandshake`. */
  protected onHandshakeSent(_connection: MeshConnection): void {}

  /** @deprecated Use the extension's `peerHandshake`. */
  protected onPeerHandshake(_connection: MeshConnection): void {}

  /**
   * Mesh's automatic-dial rule: fewer than `maxOutgoing` outgoing peers, counting dials in
   * flight (PROTOCOL.md 4.4). The extension's `shouldAutoConnect` gets it as `byDefault`.
   * @deprecated as an override point: use the extension's `shouldAutoConnect`.
   */
  protected shouldAutoConnect(_peerId: string, _addr: readonly [string, number]): boolean {
    return this.#parts.table.ids(true).length + this.#parts.dialer.pendingAutoDials < this.#parts.ctx.maxOutgoing;
  }

  /** @deprecated Use the extension's `connectionClosed`. */
  protected onConnectionClosed(_connection: MeshConnection, _reason: P2PError | undefined): void {}

  /** @deprecated Use `MeshHost.sendTo`. Returns false under backpressure. */
  protected sendTo(connection: MeshConnection, flag: number, type: number, packets: readonly unknown[]): boolean {
    return this.#parts.sender.sendTo(linkOf(connection), flag, type, packets).fast;
  }

  /** @deprecated Use `MeshHost.broadcast`. */
  protected broadcastInternal(type: number, packets: readonly unknown[]): void {
    this.#parts.sender.sendToAll(MainFlags.broadcast, type, packets);
  }

  /** @deprecated Use `MeshHost.resendHandshake`. Sends the handshake, then calls `onHandshakeSent`. */
  protected sendHandshake(connection: MeshConnection): void {
    this.#parts.sender.handshake(linkOf(connection));
    this.onHandshakeSent(connection);
  }

  /** @deprecated Use `MeshHost.sendPeers`. */
  protected sendPeers(connection: MeshConnection): void {
    this.#parts.sender.peers(linkOf(connection));
  }

  /** @deprecated Forwards a received broadcast's original bytes (4.8); mesh relays by itself. */
  protected relay(wire: WireMessage, from: MeshConnection | undefined): void {
    this.#parts.sender.relay(wire, from && linkOf(from));
  }


  /** @deprecated Use `MeshHost.reportError`. */
  protected emitError(error: P2PError): void {
    this.#parts.ctx.report(error);
  }

  /** @deprecated Use `MeshHost.connections()`. */
  protected get allConnections(): readonly MeshConnection[] {
    return this.#parts.table.links().map((l) => l.connection);
  }

  /** @deprecated Automatic dials in flight (counted by `shouldAutoConnect`). */
  protected get pendingAutoDials(): number {
    return this.#parts.dialer.pendingAutoDials;
  }

  /** @deprecated Use `MeshHost.clock`. */
  protected get clock(): Clock {
    return this.#parts.ctx.clock;
  }

  /** @deprecated Use `MeshHost.logger`. */
  protected get logger(): Logger {
    return this.#parts.ctx.logger;
  }

  /** @deprecated Use `MeshHost.limits`. */
  protected get limits(): ResolvedLimits {
    return this.#parts.ctx.limits;
  }

  /** @deprecated Use `MeshHost.compression`. */
  protected get supportedCompression(): readonly number[] {
    return this.#parts.ctx.compression;
  }

  /** @deprecated Transform `options.protocol` before `super()` instead. */
  protected resolveProtocol(protocol: Protocol): Protocol {
    return protocol;
  }
}
