/**
 * `p2p seed`: a long-running bootstrap node (py2p's `python -m py2p seed`). A chord node on
 * `Protocol('bootstrap', 'Plaintext' | 'SSL')` that stores the registrations of the nodes that
 * bootstrap through it (PROTOCOL.md 8), until it is interrupted.
 */
import { ChordSocket } from '@p2p/chord';
import { describeError, failureText, UsageError } from '../errors';
import { addrText, formatKey, shortId } from '../format';
import { writeLine, type CliIo } from '../io';
import { debugLogger } from '../logger';
import { serveMetrics, type MetricsServer } from '../metrics-server';
import { CONNECT_TIMEOUT_MS, protocolFor } from '../node-session';

/** py2p's seed ports (PROTOCOL.md Appendix A). */
export const SEED_PORTS = Object.freeze({ Plaintext: 44565, SSL: 44566 });

export interface SeedCommandOptions {
  host: string;
  /** @default 44565, or 44566 with `ssl` */
  port?: number;
  connect: Array<[string, number]>;
  ssl: boolean;
  debug: number;
  /** Address other nodes should dial, when it differs from the bound one (NAT, 0.0.0.0). */
  outwardAddress?: string;
  outwardPort?: number;
  /** Where to serve Prometheus metrics over HTTP. */
  metrics?: [string, number];
}

export async function seedCommand(options: SeedCommandOptions, io: CliIo): Promise<number> {
  const protocol = await protocolFor('bootstrap', options.ssl);
  const port = options.port ?? (options.ssl ? SEED_PORTS.SSL : SEED_PORTS.Plaintext);
  if (options.outwardPort !== undefined && options.outwardAddress === undefined) {
    throw new UsageError('--outward-port needs --outward-address');
  }
  if (options.outwardAddress !== undefined && options.outwardPort === undefined && port === 0) {
    throw new UsageError('--outward-address with --port 0 needs --outward-port');
  }
  const outAddr: [string, number] | undefined =
    options.outwardAddress === undefined ? undefined : [options.outwardAddress, options.outwardPort ?? port];
  const print = (line: string): void => writeLine(io.stdout, line);

  // Listen for signals from the start, so an early Ctrl+C still closes cleanly.
  let onStop: () => void = () => {};
  const stopped = new Promise<void>((resolve) => {
    onStop = resolve;
  });
  const offSignal = io.onSignal(() => onStop());

  let socket: ChordSocket;
  try {
    socket = await ChordSocket.listen({
      host: options.host,
      port,
      protocol,
      logger: debugLogger(options.debug, io.stderr),
      ...(outAddr ? { outAddr } : {}),
    });
  } catch (err) {
    offSignal();
    writeLine(io.stderr, `p2p: cannot listen on ${addrText([options.host, port])}: ${describeError(err)}`);
    return 1;
  }

  let metrics: MetricsServer | undefined;
  if (options.metrics) {
    try {
      metrics = await serveMetrics(socket, options.metrics, { id: socket.id, kind: 'seed', subnet: 'bootstrap', encryption: protocol.encryption });
    } catch (err) {
      offSignal();
      writeLine(io.stderr, `p2p: cannot serve metrics on ${addrText(options.metrics)}: ${describeError(err)}`);
      await socket.close();
      return 1;
    }
  }

  const offs = [
    socket.on('peer:connect', (peer) => print(`* peer ${shortId(peer.id)} connected (${addrText(peer.addr)})`)),
    socket.on('peer:disconnect', (peer) => print(`* peer ${shortId(peer.id)} disconnected`)),
    socket.on('add', ({ key }) => print(`* registered ${formatKey(key)}`)),
  ];
  socket.join();
  print(`listening on ${addrText(socket.outAddr)} as ${socket.id} (seed, subnet "bootstrap", ${protocol.encryption})`);
  if (metrics) print(`metrics on ${metrics.url}`);
  print(`seeding protocol id ${protocol.id}; stop with Ctrl+C or SIGTERM`);
  for (const [host, p] of options.connect) {
    try {
      const peer = await socket.connect(host, p, { timeout: CONNECT_TIMEOUT_MS });
      print(`connected to seed ${shortId(peer.id)} at ${addrText([host, p])}`);
    } catch (err) {
      writeLine(io.stderr, `p2p: ${failureText(`cannot connect to ${addrText([host, p])}`, err)}`);
    }
  }

  await stopped;
  offSignal();
  print('shutting down (handing stored entries to other seeds)');
  for (const off of offs) off();
  await socket.close();
  await metrics?.close();
  return 0;
}
