/**
 * The `p2p` command line: commander wiring, exit codes and error reporting. Exit codes: 0 done,
 * 1 a network failure or a failed demo check, 2 bad arguments (with a usage message).
 */
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import pkg from '../package.json';
import { chordCommand } from './commands/chord';
import { demoCommand } from './commands/demo-command';
import { identityCommand } from './commands/identity';
import { meshCommand } from './commands/mesh';
import { seedCommand, type SeedCommandOptions } from './commands/seed';
import { statusCommand } from './commands/status';
import { syncCommand, type SyncCommandOptions } from './commands/sync';
import { DEMO_MAX_NODES, DEMO_MIN_NODES } from './commands/demo';
import { describeError, UsageError } from './errors';
import { DEFAULT_IDENTITY_FILE } from './identity-file';
import { writeLine, type CliIo } from './io';
import { addNodeOptions, parseDebugLevel, parseHostPort, parseIdentityPath, parseMetricsAddress, parsePort, type NodeCommandOptions } from './options';

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

function parseNodeCount(text: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < DEMO_MIN_NODES || n > DEMO_MAX_NODES) {
    throw new InvalidArgumentError(`the number of nodes is a whole number from ${DEMO_MIN_NODES} to ${DEMO_MAX_NODES}.`);
  }
  return n;
}

function collect(text: string, previous: Array<[string, number]>): Array<[string, number]> {
  return [...previous, parseHostPort(text)];
}

/** Builds the program; `setExit` receives the chosen command's exit code. */
function createProgram(io: CliIo, setExit: (code: number) => void): Command {
  const program = new Command('p2p')
    .description('Run @p2p nodes (wire-compatible with py2p 0.7) from the command line.')
    .version(pkg.version, '-v, --version', 'print the version')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
    })
    .showHelpAfterError()
    .showSuggestionAfterError()
    .helpCommand(false)
    .addHelpText(
      'after',
      `
Examples:
  p2p demo                                  the whole stack, checked, in one process
  p2p mesh --port 4444                      a mesh node; type a line to broadcast it
  p2p mesh --connect 127.0.0.1:4444         a second node joining the first
  p2p sync --connect 127.0.0.1:5555         a replicated dictionary (get, set, del, keys)
  p2p seed --port 44565                     a bootstrap seed for others
  p2p mesh --bootstrap 127.0.0.1:44565      a node that finds the others through that seed
  p2p mesh --identity node.identity         an authenticated node: its id is its key's, messages signed
  p2p identity node.identity                print that file's node id (creating the file)
  p2p mesh --metrics 127.0.0.1:9464         a node serving Prometheus metrics
  p2p status 127.0.0.1:9464                 that node's peers, messages, bytes and uptime

Commands that start a node print "listening on HOST:PORT as ID" first and read commands from
stdin (type help); they work the same with stdin from a pipe or a file.`,
    );

  addNodeOptions(program.command('mesh').description('start a mesh node: typed lines are broadcast, received ones printed')).action(
    async (options: NodeCommandOptions) => setExit(await meshCommand(options, io)),
  );

  addNodeOptions(program.command('sync').description('start a sync node: a dictionary replicated on every node (get, set, del, keys)'))
    .option('--no-leasing', 'let any node overwrite any key (default: the last writer holds a key for an hour)')
    .action(async (options: SyncCommandOptions) => setExit(await syncCommand(options, io)));

  addNodeOptions(program.command('chord').description('start a chord node: a distributed hash table (get, set, del, keys)')).action(
    async (options: NodeCommandOptions) => setExit(await chordCommand(options, io)),
  );

  program
    .command('seed')
    .description('run a bootstrap seed (a chord node on the "bootstrap" subnet) until interrupted')
    .option('--host <address>', 'address to bind (0.0.0.0 to serve other machines)', '127.0.0.1')
    .option('--port <port>', 'port to bind (default 44565, 44566 with --ssl; 0 = any)', parsePort)
    .option('--connect <host:port...>', 'other seed(s) to connect to (repeatable)', collect, [])
    .option('--ssl', 'seed the SSL network (TLS connections)', false)
    .option('--outward-address <address>', 'address to advertise when it differs from the bound one')
    .option('--outward-port <port>', 'port to advertise (with --outward-address)', parsePort)
    .option('--debug <level>', 'log to stderr: 1 warnings, 2 info, 3 debug', parseDebugLevel, 0)
    .option('--metrics <host:port>', 'serve Prometheus metrics over HTTP (a bare port binds 127.0.0.1; 0 = any free port)', parseMetricsAddress)
    .action(async (options: SeedCommandOptions) => setExit(await seedCommand(options, io)));

  program
    .command('status')
    .description("print a running node's status (peers, messages, bytes, uptime) from its --metrics endpoint")
    .argument('<host:port>', 'the address given to --metrics (a bare port means 127.0.0.1)', parseMetricsAddress)
    .action(async (addr: [string, number]) => setExit(await statusCommand(addr, io)));

  program
    .command('identity')
    .description(`print the node id of an identity file (an Ed25519 key for --identity), creating it with mode 0600 when missing`)
    .argument('[file]', `the identity file (default ${DEFAULT_IDENTITY_FILE} in the current directory)`, parseIdentityPath)
    .action((file: string | undefined) => setExit(identityCommand(file ?? DEFAULT_IDENTITY_FILE, io)));

  program
    .command('demo')
    .description('start mesh, sync and chord nodes on loopback, exercise them and check the results')
    .option('--nodes <n>', `nodes per network (${DEMO_MIN_NODES}-${DEMO_MAX_NODES})`, parseNodeCount, 5)
    .option('--debug <level>', 'log to stderr: 1 warnings, 2 info, 3 debug', parseDebugLevel, 0)
    .action(async (options: { nodes: number; debug: number }) => setExit(await demoCommand(options, io)));

  return program;
}

/**
 * Runs `p2p` with `argv` (the arguments after the program name) and resolves with the exit
 * code. Never rejects: failures are reported on `io.stderr` as one line.
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  let exitCode = EXIT_OK;
  const program = createProgram(io, (code) => (exitCode = code));
  try {
    if (argv.length === 0) {
      program.outputHelp({ error: true });
      return EXIT_USAGE;
    }
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version were asked for; everything else is a usage error already reported.
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version') return EXIT_OK;
      return EXIT_USAGE;
    }
    if (err instanceof UsageError) {
      writeLine(io.stderr, `p2p: ${err.message}`);
      writeLine(io.stderr, 'Run "p2p --help" for usage.');
      return EXIT_USAGE;
    }
    writeLine(io.stderr, `p2p: ${describeError(err)}`);
    return EXIT_FAILURE;
  }
}
