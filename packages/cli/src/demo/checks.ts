/**
 * The demo's check recorder: runs each network's steps in order, times them, records what they
 * observed and prints one line per check. After a failed step the rest of its network is skipped.
 */
import { describeError } from '../errors';
import type { LiveDisplay } from '../live-display';
import type { Network, Step } from './context';
import { checkLine } from './report';

/** One check the demo made. */
export interface DemoCheck {
  readonly network: Network;
  readonly title: string;
  /** `skipped`: an earlier step of the same network failed. */
  readonly result: 'ok' | 'failed' | 'skipped';
  /** What was observed (ok) or what was missing (failed). */
  readonly detail: string;
  readonly ms: number;
}

export class CheckRecorder {
  readonly #checks: DemoCheck[] = [];
  readonly #display: LiveDisplay;
  readonly #total: number;
  #current = '';
  #stepStarted: number;

  constructor(display: LiveDisplay, total: number, started = Date.now()) {
    this.#display = display;
    this.#total = total;
    this.#stepStarted = started;
  }

  get checks(): readonly DemoCheck[] {
    return this.#checks;
  }

  /** Checks the demo has in all. */
  get total(): number {
    return this.#total;
  }

  /** What runs now (a step, then the teardown), for the progress line. */
  get current(): string {
    return this.#current;
  }

  set current(text: string) {
    this.#current = text;
  }

  /** Milliseconds the current step has run. */
  get stepMs(): number {
    return Date.now() - this.#stepStarted;
  }

  /** Runs one network's steps; stops early (nothing recorded) once `signal` is aborted. */
  async runPhase(steps: readonly Step[], signal: AbortSignal | undefined): Promise<void> {
    let failed = false;
    for (const step of steps) {
      this.#current = `${step.network}: ${step.title}`;
      this.#stepStarted = Date.now();
      if (signal?.aborted) return;
      if (failed) {
        this.#record(step, 'skipped', `an earlier ${step.network} step failed`, 0);
        continue;
      }
      try {
        this.#record(step, 'ok', await step.run(), this.stepMs);
      } catch (err) {
        if (signal?.aborted) return; // interrupted, not failed
        failed = true;
        this.#record(step, 'failed', describeError(err), this.stepMs);
      }
    }
  }

  #record(step: Step, result: DemoCheck['result'], detail: string, ms: number): void {
    const check: DemoCheck = { network: step.network, title: step.title, result, detail, ms };
    this.#checks.push(check);
    this.#display.log(checkLine(check, this.#checks.length, this.#total, this.#display));
  }
}
