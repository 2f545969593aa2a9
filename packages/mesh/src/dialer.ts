/**
 * Outgoing connections: `connect()` (concurrent calls to one address join one dial, an abort
 * stops the dial only when nobody else waits), the connects waiting for a handshake, automatic
 * dials to peers learned from peers messages (4.4), and the one re-dial after a conflict (F7).
 */
import {
  AbortError,
  ClosedError,
  InvalidArgumentError,
  P2PError,
  asP2PError,
  isP2PError,
  withDeadline,
  type Endpoint,
  type TimerHandle,
  type Transport,
  type TransportConnection,
  type WaitOptions,
} from '@p2p/base';
import type { MeshContext } from './context';
import { SelfConnectError } from './errors';
import type { PeerInfo } from './events';
import { addrKey, isLoopbackHost, isWildcardHost } from './ids';
import type { Link } from './link';
import { linkOf } from './mesh-connection';
import type { PeerEntry } from './payloads';
import { peerInfo, type PeerTable } from './peer-table';

/** Options of {@link MeshSocket.connect}. */
export interface ConnectOptions extends WaitOptions {
  /** The peer's id when known (from a peers list); skips the dial if it is already connected. */
  id?: string;
}

/** F7: a conflict winner closed by the peer this soon after the conflict means "re-dial once". */
const CONFLICT_REDIAL_WINDOW_MS = 5_000;

export interface DialerDeps {
  readonly ctx: MeshContext;
  readonly table: PeerTable;
  transport(): Transport;
  /** The address the listener is bound to. */
  bound(): Endpoint | undefined;
  /** Wraps a new transport connection in a link filed as waiting. */
  adopt(transport: TransportConnection, outgoing: boolean): Link;
  /** Sends this node's first handshake on a new link. */
  greet(link: Link): void;
}

interface Waiter {
  resolve(peer: PeerInfo): void;
  reject(error: P2PError): void;
}

interface DialEntry {
  promise: Promise<PeerInfo>;
  controller: AbortController;
  /** connect() calls waiting on it. */
  waiters: number;
}

export class Dialer {
  readonly #deps: DialerDeps;
  readonly #dials = new Map<string, DialEntry>();
  /** connect() calls waiting on a link: its own dial's, and those handed over from a conflict's loser. */
  readonly #waiting = new Map<Link, Waiter[]>();
  /** Waiting links whose peer handshake was accepted, until the peer's peers message confirms it. */
  readonly #handshaken = new Map<Link, PeerInfo>();
  /** Links whose peer confirmed it filed this node (its peers message arrived). */
  readonly #confirmed = new WeakSet<Link>();
  readonly #autoDialIds = new Set<string>();
  readonly #conflictWinners = new WeakMap<Link, number>();
  readonly #timers = new Set<TimerHandle>();

  constructor(deps: DialerDeps) {
    this.#deps = deps;
  }

  /** Automatic dials started from peers messages that have not finished yet. */
  get pendingAutoDials(): number {
    return this.#autoDialIds.size;
  }

  async connect(host: string, port: number, options: ConnectOptions = {}): Promise<PeerInfo> {
    const { ctx, table } = this.#deps;
    if (typeof host !== 'string' || !Number.isInteger(port) || port < 0 || port > 65535) {
      throw new InvalidArgumentError('connect needs a host text and a port number', { details: { host, port } });
    }
    if (options.id !== undefined) {
      if (options.id === ctx.id) throw new SelfConnectError('refusing to connect to this node itself', { details: { host, port } });
      const known = table.get(options.id);
      if (known) return peerInfo(known);
    }
    if (this.#isOwnAddress(host, port)) {
      throw new SelfConnectError(`${host}:${port} is this node's own address`, { details: { host, port } });
    }
    const filed = table.byAddr(host, port);
    if (filed) return peerInfo(filed);
    if (options.signal?.aborted) throw new AbortError(`connect to ${host}:${port} was aborted`, { cause: options.signal.reason });
    const key = addrKey(host, port);
    const entry = this.#dials.get(key) ?? this.#start(host, port, key, options.timeout);
    entry.waiters++;
    const signal = options.signal;
    // A caller's abort cancels the dial itself only when nobody else waits for it.
    const onAbort = (): void => {
      if (entry.waiters === 1) entry.controller.abort(new AbortError(`connect to ${host}:${port} was aborted`, { cause: signal?.reason }));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      if (!signal) return await entry.promise;
      return await withDeadline(() => entry.promise, { signal, clock: ctx.clock, what: `connect to ${host}:${port}` });
    } catch (err) {
      // A dial cut by close()/destroy() rejects with CLOSED, as documented, not ABORTED.
      if (isP2PError(err, 'ABORTED') && isP2PError(err.cause, 'CLOSED')) throw err.cause;
      throw err;
    } finally {
      entry.waiters--;
      signal?.removeEventListener('abort', onAbort);
    }
  }

  /** True while a `connect()` waits for `link`. */
  waitsFor(link: Link): boolean {
    return this.#waiting.has(link);
  }

  /**
   * Resolves or rejects the connect() calls waiting on `link`. The peer's accepted handshake on
   * `link` itself only marks it: they resolve in {@link onPeers}, once the peer's answer shows it
   * filed this node too. Outcomes naming another link (a conflict's winner), or a failure while
   * another link to the same peer is filed, hand the waiters over to that link.
   */
  settle(link: Link, outcome: PeerInfo | P2PError): void {
    if (!this.#waiting.has(link)) return;
    if (outcome instanceof P2PError) {
      const id = this.#handshaken.get(link)?.id;
      const winner = id === undefined ? undefined : this.#deps.table.get(id);
      if (winner && winner !== link && !winner.closed) this.#handOver(link, winner);
      else this.#finish(link, outcome);
      return;
    }
    const target = linkOf(outcome.connection);
    if (target === link) this.#handshaken.set(link, outcome);
    else this.#handOver(link, target);
  }

  /**
   * A peers message arrived on `link` (a dispatcher handler that never claims it). The peer
   * answers a handshake it accepted with one peers message, sent after filing this node
   * (PROTOCOL.md 4.3 step 5), and TCP keeps order: from here on both routing tables hold the
   * link, and a message sent either way is delivered.
   */
  readonly onPeers = (_message: unknown, link: Link): boolean => {
    if (link.peerId === undefined || !this.#deps.table.isFiled(link)) return false;
    this.#confirmed.add(link);
    if (this.#waiting.has(link)) this.#finish(link, this.#handshaken.get(link) ?? peerInfo(link));
    return false;
  };

  #handOver(from: Link, to: Link): void {
    const waiters = this.#waiting.get(from) ?? [];
    this.#waiting.delete(from);
    this.#handshaken.delete(from);
    if (this.#confirmed.has(to)) {
      for (const w of waiters) w.resolve(peerInfo(to));
      return;
    }
    const list = this.#waiting.get(to);
    if (list) list.push(...waiters);
    else this.#waiting.set(to, waiters);
  }

  #finish(link: Link, outcome: PeerInfo | P2PError): void {
    const waiters = this.#waiting.get(link) ?? [];
    this.#waiting.delete(link);
    this.#handshaken.delete(link);
    for (const w of waiters) {
      if (outcome instanceof P2PError) w.reject(outcome);
      else w.resolve(outcome);
    }
  }

  /** `link` won a connection conflict just now (F7). */
  wonConflict(link: Link): void {
    this.#conflictWinners.set(link, this.#deps.ctx.clock.now());
  }

  /** Dials a peer from a peers list when `shouldDial` agrees (already filtered: not us, not filed, not dialing). */
  autoDial(entry: PeerEntry, shouldDial: (id: string, addr: readonly [string, number]) => boolean): void {
    const { ctx, table } = this.#deps;
    const { id, addr } = entry;
    if (ctx.closed || id === ctx.id || table.get(id) || this.#autoDialIds.has(id)) return;
    if (this.#dials.has(addrKey(addr[0], addr[1])) || this.#isOwnAddress(addr[0], addr[1])) return;
    if (!shouldDial(id, addr)) return;
    this.#autoDialIds.add(id);
    this.connect(addr[0], addr[1], { id })
      .catch((err: unknown) => ctx.logger.debug(`automatic connect to ${addr.join(':')} failed: ${String(err)}`))
      .finally(() => this.#autoDialIds.delete(id));
  }

  /** F7: a py2p peer may close both connections of a conflict; re-dial once after a short random delay. */
  redialAfterConflict(link: Link): void {
    const { ctx, table } = this.#deps;
    const at = this.#conflictWinners.get(link);
    const addr = link.peerAddr;
    const id = link.peerId;
    if (at === undefined || !addr || id === undefined || ctx.clock.now() - at > CONFLICT_REDIAL_WINDOW_MS) return;
    const timer = ctx.clock.setTimeout(() => {
      this.#timers.delete(timer);
      if (ctx.closed || table.get(id)) return;
      ctx.logger.debug(`re-dialing ${id.slice(0, 8)} after a connection conflict`);
      this.connect(addr[0], addr[1], { id }).catch((err: unknown) => ctx.logger.debug(`re-dial failed: ${String(err)}`));
    }, 100 + Math.floor(Math.random() * 400));
    this.#timers.add(timer);
  }

  /** Releases timers, rejects every waiting connect with `error` and aborts the dials. */
  stop(error: P2PError): void {
    for (const timer of this.#timers) this.#deps.ctx.clock.clearTimeout(timer);
    this.#timers.clear();
    for (const link of [...this.#waiting.keys()]) this.#finish(link, error);
    for (const dial of this.#dials.values()) dial.controller.abort(error);
  }

  /** Resolves when every dial in flight has finished (they see `closed` and destroy what they get). */
  async idle(): Promise<void> {
    await Promise.allSettled([...this.#dials.values()].map((d) => d.promise));
  }

  #isOwnAddress(host: string, port: number): boolean {
    const bound = this.#deps.bound();
    const out = this.#deps.ctx.outAddr;
    if (addrKey(host, port) === addrKey(out[0], out[1])) return true;
    if (!bound || port !== bound.port) return false;
    if (addrKey(host, port) === addrKey(bound.host, bound.port)) return true;
    return isLoopbackHost(host) && (isWildcardHost(bound.host) || isLoopbackHost(bound.host));
  }

  #start(host: string, port: number, key: string, timeout: number | undefined): DialEntry {
    const { ctx } = this.#deps;
    const controller = new AbortController();
    const promise = withDeadline((signal) => this.#dial(host, port, signal), {
      signal: controller.signal,
      timeout: timeout ?? ctx.limits.handshakeTimeout,
      clock: ctx.clock,
      what: `connect to ${host}:${port}`,
    }).finally(() => {
      if (this.#dials.get(key) === entry) this.#dials.delete(key);
    });
    promise.catch(() => {});
    const entry: DialEntry = { promise, controller, waiters: 0 };
    this.#dials.set(key, entry);
    return entry;
  }

  async #dial(host: string, port: number, signal: AbortSignal): Promise<PeerInfo> {
    const { ctx, table } = this.#deps;
    // Admitted, the dial counts against the caps until its socket is a link (or it fails).
    const refusal = table.admit('outgoing');
    if (refusal) throw refusal;
    let transport: TransportConnection;
    try {
      transport = await this.#deps.transport().dial({ host, port, signal });
    } finally {
      table.dialEnded();
    }
    if (ctx.closed || signal.aborted) {
      transport.destroy();
      throw ctx.closed ? new ClosedError('the socket closed during connect') : asP2PError(signal.reason);
    }
    const link = this.#deps.adopt(transport, true);
    const result = new Promise<PeerInfo>((resolve, reject) => this.#waiting.set(link, [{ resolve, reject }]));
    const onAbort = (): void => {
      this.#finish(link, asP2PError(signal.reason));
      link.destroy(asP2PError(signal.reason));
    };
    signal.addEventListener('abort', onAbort, { once: true });
    ctx.logger.debug(`dialed ${host}:${port}`);
    try {
      this.#deps.greet(link);
      return await result;
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  }
}
