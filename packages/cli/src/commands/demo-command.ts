/**
 * `p2p demo` on the command line: runs {@link runDemo} and turns its report into an exit code
 * (0 passed, 1 a check failed, 130 interrupted by a signal).
 */
import type { CliIo } from '../io';
import { debugLogger } from '../logger';
import { runDemo } from './demo';

export async function demoCommand(options: { nodes: number; debug: number }, io: CliIo): Promise<number> {
  const stop = new AbortController();
  const offSignal = io.onSignal(() => stop.abort());
  try {
    const report = await runDemo({
      nodes: options.nodes,
      output: io.stdout,
      signal: stop.signal,
      ...(options.debug > 0 ? { logger: debugLogger(options.debug, io.stderr) } : {}),
    });
    if (report.interrupted) return 130;
    return report.ok ? 0 : 1;
  } finally {
    offSignal();
  }
}
