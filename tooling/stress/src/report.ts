/** One scenario's outcome: printed as one JSON line, pass or fail against its goal. */
export interface ScenarioResult {
  scenario: string;
  pass: boolean;
  /** The goal in words, with the numbers it is judged by. */
  goal: string;
  /** Why it failed, when it did. */
  failures?: string[];
  [figure: string]: unknown;
}

export function printResult(result: ScenarioResult): void {
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

/** Collects failed checks of one scenario. */
export class Checks {
  readonly failures: string[] = [];

  check(ok: boolean, what: string): void {
    if (!ok) this.failures.push(what);
  }

  result(scenario: string, goal: string, figures: Record<string, unknown>): ScenarioResult {
    return { scenario, pass: this.failures.length === 0, goal, ...figures, ...(this.failures.length > 0 ? { failures: this.failures } : {}) };
  }
}

export const MiB = 1024 * 1024;

export const toMiB = (bytes: number): number => Math.round((bytes / MiB) * 10) / 10;
