/**
 * The ways in to a node: one listener per entry of `listen` (TCP, WebSocket, TLS, ...), each
 * with the protocol id and out address it presents, and the transport this node dials with.
 *
 * The encryption name is hashed into the protocol id (PROTOCOL.md 2.2), so a node listening on
 * TCP and WebSocket is on two wire subnets at once: every link has the face of the transport
 * it came through (accepted by that listener, or dialed with the node's own encryption), and
 * the handshake on that link carries that face's protocol id and out address. The rule for
 * peers lists ({@link offerable}) keeps each peer to addresses it can dial.
 */
import {
  InvalidArgumentError,
  Protocol,
  createTransport,
  lanAddress,
  type Endpoint,
  type Identity,
  type P2PError,
  type Transport,
  type TransportConnection,
  type TransportListener,
} from '@p2p/base';
import { isWildcardHost } from './ids';
import type { Link } from './link';
import type { MeshListenOptions, MeshSocketOptions } from './options';

/** What a node presents on the links of one transport. */
export interface Face {
  /** The transport's encryption name: 'Plaintext', 'SSL', 'ws', 'wss', ... */
  readonly encryption: string;
  /** The node's subnet with this encryption (its id is what the handshake carries). */
  readonly protocol: Protocol;
  /** The address advertised on these links; port 0 when nobody can dial this node this way. */
  readonly outAddr: readonly [string, number];
}

/** One bound listener, as {@link MeshSocket.addresses} reports it. */
export interface ListeningAddress extends Endpoint {
  readonly encryption: string;
  /** The address advertised to peers that connect this way. */
  readonly outAddr: readonly [string, number];
}

/** What a dial-only node advertises: port 0, which no peers list offers (see {@link offerable}). */
export const DIAL_ONLY_ADDR: readonly [string, number] = Object.freeze(['0.0.0.0', 0] as [string, number]);

/**
 * The peers-list rule: a peer reached through face `peer` (advertising `peerAddr`) is offered to
 * a link of face `to` only when it came through the same kind of transport (a TCP peer cannot
 * dial a WebSocket address, a browser cannot dial TCP) and advertises a port someone can dial
 * (browser and other dial-only nodes advertise port 0).
 */
export function offerable(to: Face, peer: Face, peerAddr: readonly [string, number]): boolean {
  return peer.encryption === to.encryption && peerAddr[1] !== 0;
}

interface Bound {
  readonly face: Face;
  readonly listener: TransportListener;
}

export interface ListenersDeps {
  /** An accepted connection, to be adopted as an incoming link. */
  accept(connection: TransportConnection): void;
  /** An incoming connection failed before it was handed over. */
  report(error: P2PError): void;
  /** The node's identity in an authenticated subnet. @default `options.identity` */
  readonly identity?: Identity | undefined;
}

/**
 * In an authenticated subnet every transport factory gets the node's identity as
 * `transportOptions.identity` (the TLS transport makes its certificate from it and reports each
 * peer's key, which the handshake must match).
 */
function withIdentity(transportOptions: Readonly<Record<string, unknown>> | undefined, identity: Identity | undefined): Readonly<Record<string, unknown>> | undefined {
  return identity ? { ...transportOptions, identity } : transportOptions;
}

export class Listeners {
  /** The face of dialed links (the socket's own encryption). */
  readonly primary: Face;
  /** Transport used by `connect()` and automatic dials. */
  readonly dialTransport: Transport;
  readonly #bound: readonly Bound[];
  /** The face of each accepted connection, until its link is bound. */
  readonly #incoming: WeakMap<TransportConnection, Face>;
  readonly #links = new WeakMap<Link, Face>();
  #closing: Promise<void> | undefined;

  private constructor(primary: Face, dialTransport: Transport, bound: Bound[], incoming: WeakMap<TransportConnection, Face>) {
    this.primary = primary;
    this.dialTransport = dialTransport;
    this.#bound = bound;
    this.#incoming = incoming;
  }

  /**
   * Binds every listener of `options.listen` (or the one of `host`/`port` without it).
   * @throws ListenFailedError, TransportNotFoundError; listeners already bound are closed first.
   */
  static async open(options: MeshSocketOptions, protocol: Protocol, deps: ListenersDeps): Promise<Listeners> {
    const specs: readonly MeshListenOptions[] = options.listen ?? [{ host: options.host, port: options.port, outAddr: options.outAddr }];
    if (!Array.isArray(specs) || specs.some((x) => x === null || typeof x !== 'object')) {
      throw new InvalidArgumentError('listen must be an array of listener options', { details: { listen: specs } });
    }
    const transports = new Map<string, Transport>();
    const identity = protocol.auth ? (deps.identity ?? options.identity) : undefined;
    const transportFor = (encryption: string, spec?: MeshListenOptions): Transport => {
      let t = transports.get(encryption);
      if (!t) {
        const given = encryption === protocol.encryption ? options.transport : undefined;
        const factoryOptions = spec?.transportOptions ?? (encryption === protocol.encryption ? options.transportOptions : undefined);
        t = given ?? createTransport(encryption, withIdentity(factoryOptions, identity));
        transports.set(encryption, t);
      }
      return t;
    };
    const incoming = new WeakMap<TransportConnection, Face>();
    const bound: Bound[] = [];
    try {
      for (const spec of specs) {
        const encryption = spec.encryption ?? protocol.encryption;
        const host = spec.host ?? '127.0.0.1';
        const pending: { face?: Face } = {};
        const listener = await transportFor(encryption, spec).listen({
          host,
          port: spec.port ?? 0,
          onConnection: (connection) => {
            if (pending.face) incoming.set(connection, pending.face);
            deps.accept(connection);
          },
          onError: (error) => deps.report(error),
        });
        const a = listener.address;
        const outAddr = spec.outAddr ?? [isWildcardHost(host) ? lanAddress() : a.host, a.port];
        pending.face = Object.freeze({
          encryption,
          protocol: encryption === protocol.encryption ? protocol : new Protocol(protocol.subnet, encryption, { auth: protocol.auth }),
          outAddr: Object.freeze([outAddr[0], outAddr[1]] as [string, number]),
        });
        bound.push({ face: pending.face, listener });
      }
    } catch (err) {
      await Promise.allSettled(bound.map((b) => b.listener.close()));
      throw err;
    }
    const own = bound.find((b) => b.face.encryption === protocol.encryption);
    const primary = own?.face ?? Object.freeze({ encryption: protocol.encryption, protocol, outAddr: options.outAddr ?? DIAL_ONLY_ADDR });
    return new Listeners(primary, transportFor(protocol.encryption), bound, incoming);
  }

  /** The bound address of the listener on the socket's own encryption (for "is this me?"). */
  get bound(): Endpoint | undefined {
    return this.#bound.find((b) => b.face === this.primary)?.listener.address;
  }

  get addresses(): readonly ListeningAddress[] {
    return this.#bound.map((b) => Object.freeze({ ...b.listener.address, encryption: b.face.encryption, outAddr: b.face.outAddr }));
  }

  /** Records the face of a new link: its listener's, or the primary one for dials. */
  bind(link: Link, connection: TransportConnection): void {
    this.#links.set(link, this.#incoming.get(connection) ?? this.primary);
  }

  of(link: Link): Face {
    return this.#links.get(link) ?? this.primary;
  }

  /** {@link offerable} for two links of this node. */
  offers(to: Link, peer: Link): boolean {
    return peer.peerAddr !== undefined && offerable(this.of(to), this.of(peer), peer.peerAddr);
  }

  /** Whether addresses heard on `link` are dialable with {@link dialTransport}. */
  dialsFrom(link: Link): boolean {
    return this.of(link).encryption === this.primary.encryption;
  }

  describe(): string {
    if (this.#bound.length === 0) return `nothing (dial only, ${this.primary.encryption})`;
    return this.#bound.map((b) => `${b.face.encryption} ${b.listener.address.host}:${b.listener.address.port} (advertising ${b.face.outAddr.join(':')})`).join(', ');
  }

  /** Stops every listener; connections are left to their links. */
  close(): Promise<void> {
    this.#closing ??= Promise.all(this.#bound.map((b) => b.listener.close())).then(() => undefined);
    return this.#closing;
  }
}
