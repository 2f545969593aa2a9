/**
 * @p2p/cli: the `p2p` command (mesh, sync and chord nodes with a prompt, a bootstrap seed and a
 * checked demo of the whole stack), also callable from code.
 *
 * @example
 * ```ts
 * import { runCli, runDemo, processIo } from '@p2p/cli';
 *
 * const report = await runDemo({ nodes: 5 }); // prints progress and a status table
 * console.log(report.ok, report.checks.length);
 * process.exitCode = await runCli(['mesh', '--port', '4444'], processIo());
 * ```
 * @packageDocumentation
 */
export { runCli, EXIT_OK, EXIT_FAILURE, EXIT_USAGE } from './program';
export { processIo, type CliIo, type InputStream, type OutputStream } from './io';
export { runDemo, DEMO_MIN_NODES, DEMO_MAX_NODES, type DemoOptions, type DemoReport, type DemoCheck } from './commands/demo';
export { SEED_PORTS } from './commands/seed';
export { UsageError, DemoFailedError } from './errors';
