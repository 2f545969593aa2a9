/**
 * What `p2p mesh`, `p2p sync` and `p2p chord` share: start one node from the shared options,
 * print its address, dial `--connect` peers, show peers and messages as they come, run the
 * prompt with `peers`, `status`, `connect`, `quit`, and close cleanly on end of input or a signal.
 * On a terminal a status line (peers, messages, bytes, uptime) is redrawn above the prompt;
 * `--metrics` serves the node's metrics over HTTP while it runs.
 */
import { Protocol, isP2PError, type Identity, type Logger, type Message } from '@p2p/base';
import type { MeshSocket, MeshEvents } from '@p2p/mesh';
import { describeError, failureText, UsageError } from './errors';
import { addrText, formatValue, shortId } from './format';
import { writeLine, type CliIo } from './io';
import { openIdentity } from './identity-file';
import { debugLogger } from './logger';
import { serveMetrics, type MetricsServer } from './metrics-server';
import { parseHostPort, type NodeCommandOptions } from './options';
import { Repl, type ReplCommand } from './repl';
import { statusLine, summarize } from './status-line';

/** Milliseconds a `connect` (at start or at the prompt) may take. */
export const CONNECT_TIMEOUT_MS = 5_000;

/** The socket surface the session uses (every @p2p socket has it). */
export type AnySocket = MeshSocket<MeshEvents>;

/** What a node command adds to the shared session. */
export interface NodeKind<S extends AnySocket> {
  /** `mesh`, `sync` or `chord`. */
  readonly name: string;
  readonly defaultSubnet: string;
  listen(options: { host: string; port: number; protocol: Protocol; logger?: Logger; identity?: Identity }): Promise<S>;
  /** Runs once the node listens (chord joins here). */
  started?(socket: S): void;
  /** Prompt commands of this kind; `print` writes one line. */
  commands(socket: S, print: (line: string) => void): ReplCommand[];
  /** What a line that is no command does (mesh: broadcast it). */
  fallback?(socket: S, line: string): void;
  /** Subscribes to kind-specific events; returns an unsubscribe function. */
  watch?(socket: S, print: (line: string) => void): () => void;
  /** Extra `status` lines. */
  status?(socket: S): string[];
}

/** Loads the TLS transport when the protocol asks for it. */
export async function protocolFor(subnet: string, ssl: boolean, auth = false): Promise<Protocol> {
  if (ssl) await import('@p2p/ssl');
  return new Protocol(subnet, ssl ? 'SSL' : 'Plaintext', { auth });
}

/** `subnet "x", SSL` and, for an authenticated subnet, `, authenticated`. */
function networkText(protocol: Protocol): string {
  return `subnet "${protocol.subnet}", ${protocol.encryption}${protocol.auth ? ', authenticated' : ''}`;
}

/** What to add to a PROTOCOL_MISMATCH when `--auth` is the only difference: the flags to use. */
function mismatchHint(protocol: Protocol, err: unknown): string {
  const theirs = isP2PError(err, 'PROTOCOL_MISMATCH') ? err.details['theirs'] : undefined;
  if (theirs !== new Protocol(protocol.subnet, protocol.encryption, { auth: !protocol.auth }).id) return '';
  return protocol.auth
    ? '; this node runs --auth, so only nodes started with --auth (or --identity) connect to it'
    : '; the peer runs --auth (or --identity): this node needs it too';
}

/** Runs one interactive node until end of input, `quit` or a signal; returns the exit code. */
export async function runNode<S extends AnySocket>(kind: NodeKind<S>, options: NodeCommandOptions, io: CliIo): Promise<number> {
  const subnet = options.subnet ?? kind.defaultSubnet;
  let identity: { identity: Identity; created: boolean } | undefined;
  if (options.identity !== undefined) {
    try {
      identity = openIdentity(options.identity);
    } catch (err) {
      writeLine(io.stderr, `p2p: cannot use identity file ${options.identity}: ${describeError(err)}`);
      return 1;
    }
  }
  // --auth alone: the socket generates a fresh identity.
  const protocol = await protocolFor(subnet, options.ssl, options.auth || identity !== undefined);
  const logger = debugLogger(options.debug, io.stderr);
  // Listen for signals from the start: one that arrives while starting ends the session at once.
  let stop: (() => void) | undefined;
  let stopped = false;
  const offSignal = io.onSignal(() => {
    stopped = true;
    stop?.();
  });
  try {
    let socket: S;
    try {
      socket = await kind.listen({
        host: options.host,
        port: options.port,
        protocol,
        ...(logger ? { logger } : {}),
        ...(identity ? { identity: identity.identity } : {}),
      });
    } catch (err) {
      writeLine(io.stderr, `p2p: cannot listen on ${addrText([options.host, options.port])}: ${describeError(err)}`);
      return 1;
    }
    let metrics: MetricsServer | undefined;
    if (options.metrics) {
      try {
        metrics = await serveMetrics(socket, options.metrics, { id: socket.id, kind: kind.name, subnet: socket.protocol.subnet, encryption: protocol.encryption });
      } catch (err) {
        writeLine(io.stderr, `p2p: cannot serve metrics on ${addrText(options.metrics)}: ${describeError(err)}`);
        await socket.close();
        return 1;
      }
    }
    const session = new NodeSession(kind, socket, io, metrics);
    stop = () => session.stop();
    if (stopped) session.stop();
    const created = identity?.created ? options.identity : undefined;
    return await session.run(options.connect, options.bootstrap ?? [], created);
  } finally {
    offSignal();
  }
}

class NodeSession<S extends AnySocket> {
  readonly #kind: NodeKind<S>;
  readonly #socket: S;
  readonly #io: CliIo;
  readonly #repl: Repl;
  readonly #metrics: MetricsServer | undefined;
  #received = 0;

  constructor(kind: NodeKind<S>, socket: S, io: CliIo, metrics?: MetricsServer) {
    this.#kind = kind;
    this.#socket = socket;
    this.#io = io;
    this.#metrics = metrics;
    const print = (line: string): void => this.#repl.print(line);
    this.#repl = new Repl({
      input: io.stdin,
      output: io.stdout,
      prompt: `${kind.name}> `,
      commands: [...kind.commands(socket, print), ...this.#commonCommands()],
      fallback: kind.fallback ? (line) => kind.fallback!(socket, line) : undefined,
      status: () => statusLine(summarize(socket.metrics()), Date.now()),
    });
  }

  /** Ends the session (a signal): the prompt stops, the node closes, `run` resolves. */
  stop(): void {
    this.#repl.end();
  }

  /** `createdIdentity`: the identity file made for this run, announced after the address. */
  async run(connect: ReadonlyArray<[string, number]>, bootstrap: ReadonlyArray<[string, number]> = [], createdIdentity?: string): Promise<number> {
    const socket = this.#socket;
    const print = (line: string): void => this.#repl.print(line);
    const { protocol } = socket;
    print(`listening on ${addrText(socket.outAddr)} as ${socket.id} (${this.#kind.name}, ${networkText(protocol)})`);
    if (createdIdentity !== undefined) print(`created identity file ${createdIdentity} (mode 0600); keep it private, whoever holds it is this node`);
    if (this.#metrics) print(`metrics on ${this.#metrics.url}`);
    const offs = [
      socket.on('peer:connect', (peer) =>
        print(`* peer ${shortId(peer.id)} connected (${addrText(peer.addr)}, ${peer.outgoing ? 'outgoing' : 'incoming'})`),
      ),
      socket.on('peer:disconnect', (peer, reason) =>
        print(`* peer ${shortId(peer.id)} disconnected${reason ? `: ${describeError(reason)}` : ''}`),
      ),
      this.#kind.watch?.(socket, print) ?? (() => {}),
    ];
    const stopReading = new AbortController();
    const reading = this.#printMessages(stopReading.signal);
    this.#kind.started?.(socket);

    let exitCode = 0;
    if (connect.length > 0) {
      const results = await Promise.all(connect.map((addr) => this.#connect(addr)));
      if (!results.some(Boolean)) {
        writeLine(this.#io.stderr, `p2p: could not connect to ${connect.length === 1 ? 'the given peer' : `any of the ${connect.length} given peers`}`);
        this.#repl.end();
        exitCode = 1;
      }
    }
    if (bootstrap.length > 0 && exitCode === 0 && !(await this.#bootstrap(bootstrap))) {
      this.#repl.end();
      exitCode = 1;
    }
    await this.#repl.run();
    for (const off of offs) off();
    stopReading.abort();
    await socket.close();
    await this.#metrics?.close();
    await reading;
    return exitCode;
  }

  async #printMessages(signal: AbortSignal): Promise<void> {
    try {
      for await (const message of this.#socket.messages({ signal })) {
        this.#received++;
        this.#repl.print(`[${shortId(message.sender)}] ${messageText(message)}`);
      }
    } catch {
      // aborted or closed: nothing more to print
    }
  }

  /** Dials `addr`; a failure is reported on stderr at start, as an `error:` line at the prompt. */
  async #connect(addr: readonly [string, number], atPrompt = false): Promise<boolean> {
    try {
      const peer = await this.#socket.connect(addr[0], addr[1], { timeout: CONNECT_TIMEOUT_MS });
      this.#repl.print(`connected to ${shortId(peer.id)} at ${addrText(addr)}`);
      return true;
    } catch (err) {
      const text = failureText(`cannot connect to ${addrText(addr)}`, err) + mismatchHint(this.#socket.protocol, err);
      if (atPrompt) this.#repl.print(`error: ${text}`);
      else writeLine(this.#io.stderr, `p2p: ${text}`);
      return false;
    }
  }

  /** Registers with the seeds and dials the nodes they list; a failure is reported on stderr. */
  async #bootstrap(seeds: ReadonlyArray<[string, number]>): Promise<boolean> {
    try {
      const done = await this.#socket.bootstrap(seeds, { timeout: CONNECT_TIMEOUT_MS });
      const others = `${done.registered} other node${done.registered === 1 ? '' : 's'}`;
      this.#repl.print(`bootstrapped through ${done.seeds} seed${done.seeds === 1 ? '' : 's'}: ${others} registered, connected to ${done.connected.length}`);
      return true;
    } catch (err) {
      writeLine(this.#io.stderr, `p2p: ${failureText(`cannot bootstrap through ${seeds.map((s) => addrText(s)).join(', ')}`, err)}`);
      return false;
    }
  }

  #commonCommands(): ReplCommand[] {
    const socket = this.#socket;
    const print = (line: string): void => this.#repl.print(line);
    return [
      {
        name: 'peers',
        usage: 'peers',
        help: 'list the connected peers',
        run: () => {
          if (socket.peers.size === 0) return print('(no peers)');
          for (const [id, conn] of socket.peers) {
            print(`${id}  ${conn.peerAddr ? addrText(conn.peerAddr) : '?'}  ${conn.outgoing ? 'outgoing' : 'incoming'}`);
          }
        },
      },
      {
        name: 'status',
        usage: 'status',
        help: "this node's id, address, network and counters",
        run: () => {
          const status = socket.status;
          const protocol = socket.protocol;
          print(`id        ${socket.id}`);
          print(`address   ${addrText(socket.outAddr)}`);
          print(`network   ${this.#kind.name}, ${networkText(protocol)} (protocol id ${protocol.id})`);
          print(`peers     ${socket.peers.size} (${socket.incomingIds().length} incoming, ${socket.outgoingIds().length} outgoing)`);
          print(`received  ${this.#received} message${this.#received === 1 ? '' : 's'}`);
          for (const line of this.#kind.status?.(socket) ?? []) print(line);
          print(
            status === 'Nominal'
              ? 'status    Nominal'
              : `status    ${status.length} recent error${status.length === 1 ? '' : 's'}, last: ${describeError(status[status.length - 1])}`,
          );
        },
      },
      {
        name: 'connect',
        usage: 'connect <host:port>',
        help: 'connect to another node',
        run: async (args) => {
          let addr: [string, number];
          try {
            addr = parseHostPort(args);
          } catch {
            throw new UsageError('usage: connect <host:port>');
          }
          await this.#connect(addr, true);
        },
      },
      {
        name: 'quit',
        aliases: ['exit'],
        usage: 'quit',
        help: 'close the node and exit',
        run: () => this.#repl.end(),
      },
    ];
  }
}

/** A received message's data (packets after the sub-flag) as one line. */
export function messageText(message: Message): string {
  return message.packets
    .slice(1)
    .map((p) => formatValue(p))
    .join(' ');
}
