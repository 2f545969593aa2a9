/**
 * An in-memory transport for large simulations (a thousand-node ring), where real sockets would
 * be too heavy. All state lives in a {@link MemoryHub} the caller creates and passes in; two
 * hubs never see each other. Networking tests still run over TCP: this is an addition, not a
 * substitute.
 */
import { withDeadline } from './abort';
import { ConnectFailedError, ListenFailedError, type P2PError } from './errors';
import {
  TransportConnectionBase,
  type Endpoint,
  type ListenOptions,
  type Transport,
  type TransportListener,
} from './transport';

const key = (host: string, port: number): string => `${host}:${port}`;

/** A private network: listeners by address, and a port counter. */
export class MemoryHub {
  readonly #listeners = new Map<string, ListenOptions>();
  #nextPort = 40_000;
  /** Bytes delivered through this hub, for simulations that count traffic. */
  bytesDelivered = 0;

  /** @internal */
  bind(options: ListenOptions): Endpoint {
    let port = options.port;
    if (port === 0) {
      while (this.#listeners.has(key(options.host, this.#nextPort))) this.#nextPort++;
      port = this.#nextPort++;
    }
    const k = key(options.host, port);
    if (this.#listeners.has(k)) throw new ListenFailedError(`memory address ${k} is in use`, { details: { host: options.host, port } });
    this.#listeners.set(k, options);
    return { host: options.host, port };
  }

  /** @internal */
  unbind(address: Endpoint): void {
    this.#listeners.delete(key(address.host, address.port));
  }

  /** @internal */
  lookup(host: string, port: number): ListenOptions | undefined {
    return this.#listeners.get(key(host, port));
  }

  /** @internal */
  ephemeralPort(): number {
    return this.#nextPort++;
  }
}

class MemoryConnection extends TransportConnectionBase {
  readonly encrypted = false;
  peer: MemoryConnection | undefined;
  #ending = false;

  constructor(
    readonly local: Endpoint,
    readonly remote: Endpoint,
    private readonly hub: MemoryHub,
  ) {
    super();
  }

  get writableLength(): number {
    return 0;
  }

  write(data: Uint8Array): boolean {
    const peer = this.peer;
    if (this.closed || this.#ending || !peer || peer.closed) return false;
    // Copy: the writer may reuse its buffer, a real socket would not see later changes.
    const copy = data.slice();
    this.hub.bytesDelivered += copy.length;
    queueMicrotask(() => {
      if (!peer.closed) peer.receive(copy);
    });
    return true;
  }

  receive(chunk: Uint8Array): void {
    this.pushData(chunk);
  }

  end(): void {
    if (this.#ending) return;
    this.#ending = true;
    // Deliver after data already queued, as a FIN follows the bytes before it.
    queueMicrotask(() => this.destroy());
  }

  destroy(error?: P2PError): void {
    const peer = this.peer;
    this.peer = undefined;
    if (peer && !peer.closed) queueMicrotask(() => peer.pushClose(undefined));
    this.pushClose(error);
  }

  override pushClose(error?: P2PError): void {
    super.pushClose(error);
  }
}

/** A transport over `hub`. `encryption` names the Protocol encryption it stands for. */
export function memoryTransport(hub: MemoryHub, encryption = 'Plaintext'): Transport {
  return {
    encryption,
    async listen(options): Promise<TransportListener> {
      const address = hub.bind(options);
      let closed = false;
      return {
        address,
        async close() {
          if (closed) return;
          closed = true;
          hub.unbind(address);
        },
      };
    },
    dial(options) {
      return withDeadline(
        async () => {
          await Promise.resolve();
          const target = hub.lookup(options.host, options.port);
          if (!target) {
            throw new ConnectFailedError(`nothing listens on memory address ${options.host}:${options.port}`, {
              details: { host: options.host, port: options.port, code: 'ECONNREFUSED' },
            });
          }
          const localAddr = { host: options.host === 'localhost' ? '127.0.0.1' : options.host, port: hub.ephemeralPort() };
          const targetAddr = { host: options.host, port: options.port };
          const mine = new MemoryConnection(localAddr, targetAddr, hub);
          const theirs = new MemoryConnection(targetAddr, localAddr, hub);
          mine.peer = theirs;
          theirs.peer = mine;
          target.onConnection(theirs);
          return mine;
        },
        { ...options, what: `connect to memory address ${options.host}:${options.port}` },
      );
    },
  };
}
