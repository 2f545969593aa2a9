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

interface DialEntry {
  promise: Promise<PeerInfo>;
  controller: AbortController;
  /** connect() calls waiting on it. */
  waiters: number;
}

export class Dialer {
  readonly #deps: DialerDeps;
  readonly #dials = new Map<string, DialEntry>();
  readonly #waiting = new Map<Link, { resolve: (p: PeerInfo) => void; reject: (e: P2PError) => void }>();
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

  /** Resolves or rejects the connect() waiting on `link`, if any. */
  settle(link: Link, outcome: PeerInfo | P2PError): void {
    const pending = this.#waiting.get(link);
    if (!pending) return;
    this.#waiting.delete(link);
    if (outcome instanceof P2PError) pending.reject(outcome);
    else pending.resolve(outcome);
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
    for (const link of [...this.#waiting.keys()]) this.settle(link, error);
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
    const refusal = table.admit('outgoing');
    if (refusal) throw refusal;
    const transport = await this.#deps.transport().dial({ host, port, signal });
    if (ctx.closed || signal.aborted) {
      transport.destroy();
      throw ctx.closed ? new ClosedError('the socket closed during connect') : asP2PError(signal.reason);
    }
    const link = this.#deps.adopt(transport, true);
    const result = new Promise<PeerInfo>((resolve, reject) => this.#waiting.set(link, { resolve, reject }));
    const onAbort = (): void => {
      this.settle(link, asP2PError(signal.reason));
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
