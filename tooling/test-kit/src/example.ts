// Runs a README example in this process and returns what it printed, so a test can hold the
// README to the code.

export interface RunExampleOptions {
  /** How one console argument becomes text (default `String`). */
  format?: (arg: unknown) => string;
}

/**
 * Calls `load` (typically `() => import('../examples/x.mjs')`) with console.log and
 * console.error captured, and resolves with the printed lines once it settles: a console.log
 * line is its arguments formatted and joined by spaces, a console.error line the same behind
 * "error: ". The console is restored whatever happens; a throw of the example is rethrown.
 */
export async function runExample(load: () => Promise<unknown>, { format = String }: RunExampleOptions = {}): Promise<string[]> {
  const lines: string[] = [];
  const { log, error } = console;
  console.log = (...args: unknown[]) => void lines.push(args.map(format).join(' '));
  console.error = (...args: unknown[]) => void lines.push(`error: ${args.map(format).join(' ')}`);
  try {
    await load();
  } finally {
    console.log = log;
    console.error = error;
  }
  return lines;
}
