/**
 * The options every node command shares (`--host`, `--port`, `--connect`, `--subnet`, `--ssl`,
 * `--auth`, `--identity`, `--debug`, `--metrics`) and their parsers. Parsers throw commander's InvalidArgumentError, which the
 * program reports as a usage error (exit code 2).
 */
import { InvalidArgumentError, type Command } from 'commander';

/** What the shared options parse to. */
export interface NodeCommandOptions {
  host: string;
  port: number;
  connect: Array<[string, number]>;
  /** Seeds (`p2p seed`) to register with and find other nodes through. */
  bootstrap: Array<[string, number]>;
  subnet?: string;
  ssl: boolean;
  /** An authenticated subnet (`Protocol(subnet, encryption, { auth: true })`). */
  auth: boolean;
  /** An identity file to load, or to create when missing; implies `auth`. */
  identity?: string;
  debug: number;
  /** Where to serve Prometheus metrics over HTTP. */
  metrics?: [string, number];
}

export function parsePort(text: string): number {
  if (!/^\d+$/.test(text)) throw new InvalidArgumentError('a port is a number from 0 to 65535.');
  const port = Number(text);
  if (port > 65535) throw new InvalidArgumentError('a port is a number from 0 to 65535.');
  return port;
}

/** `host:port` (IPv6 as `[::1]:port`). */
export function parseHostPort(text: string): [string, number] {
  const match = /^\[([^\]]+)\]:(\d+)$/.exec(text) ?? /^([^:\s]+):(\d+)$/.exec(text);
  if (!match) throw new InvalidArgumentError('expected host:port, for example 127.0.0.1:4444.');
  const port = parsePort(match[2]!);
  if (port === 0) throw new InvalidArgumentError('cannot connect to port 0.');
  return [match[1]!, port];
}

/** `--metrics`: `HOST:PORT`, or a bare `PORT` on 127.0.0.1; port 0 picks a free one (printed at start). */
export function parseMetricsAddress(text: string): [string, number] {
  if (/^\d+$/.test(text)) return ['127.0.0.1', parsePort(text)];
  const match = /^\[([^\]]+)\]:(\d+)$/.exec(text) ?? /^([^:\s]+):(\d+)$/.exec(text);
  if (!match) throw new InvalidArgumentError('expected host:port or a port, for example 127.0.0.1:9464.');
  return [match[1]!, parsePort(match[2]!)];
}

export function parseDebugLevel(text: string): number {
  if (!/^\d+$/.test(text)) throw new InvalidArgumentError('the debug level is a whole number (0 = silent, 3 = everything).');
  return Number(text);
}

export function parseSubnet(text: string): string {
  if (text.length === 0) throw new InvalidArgumentError('the subnet name cannot be empty.');
  return text;
}

export function parseIdentityPath(text: string): string {
  if (text.length === 0) throw new InvalidArgumentError('the identity file name cannot be empty.');
  return text;
}

function collect(text: string, previous: Array<[string, number]>): Array<[string, number]> {
  return [...previous, parseHostPort(text)];
}

/** Adds the shared options to a node command. */
export function addNodeOptions(command: Command, defaults: { port?: number } = {}): Command {
  return command
    .option('--host <address>', 'address to bind (0.0.0.0 to accept other machines)', '127.0.0.1')
    .option('--port <port>', 'port to bind, 0 = any free port', parsePort, defaults.port ?? 0)
    .option('--connect <host:port...>', 'peer(s) to connect to at start (repeatable)', collect, [])
    .option('--bootstrap <host:port...>', 'seed(s) (p2p seed) to find other nodes through at start (repeatable)', collect, [])
    .option('--subnet <name>', 'network name; only nodes with the same subnet connect', parseSubnet)
    .option('--ssl', 'encrypt connections with TLS (Protocol encryption "SSL")', false)
    .option('--auth', 'join an authenticated subnet: ids bound to Ed25519 keys, every message signed (plain and py2p nodes cannot join)', false)
    .option('--identity <file>', 'identity file (Ed25519 key) to load, or to create with mode 0600 when missing; implies --auth', parseIdentityPath)
    .option('--debug <level>', 'log to stderr: 1 warnings, 2 info, 3 debug', parseDebugLevel, 0)
    .option('--metrics <host:port>', 'serve Prometheus metrics over HTTP (a bare port binds 127.0.0.1; 0 = any free port)', parseMetricsAddress);
}
