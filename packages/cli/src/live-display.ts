/**
 * Output of a long-running command with a status area. On a terminal the area (a progress line
 * and a table) is redrawn in place while log lines scroll above it. Anywhere else (a pipe, a
 * file, CI) there are no terminal codes at all: only the log lines are written, as they come.
 */
import type { OutputStream } from './io';

export interface LiveDisplayOptions {
  /** Redraw in place. @default the stream is a terminal */
  live?: boolean;
  /** Milliseconds between redraws. @default 100 */
  interval?: number;
  /** Colour ok / FAIL marks (only when live). @default live and NO_COLOR unset */
  color?: boolean;
}

const SPINNER = ['|', '/', '-', '\\'];

export class LiveDisplay {
  readonly #out: OutputStream;
  readonly #live: boolean;
  readonly #color: boolean;
  readonly #interval: number;
  #render: () => string[] = () => [];
  #drawn = 0;
  #timer: NodeJS.Timeout | undefined;
  #frame = 0;

  constructor(out: OutputStream, options: LiveDisplayOptions = {}) {
    this.#out = out;
    this.#live = options.live ?? Boolean(out.isTTY);
    this.#color = options.color ?? (this.#live && !process.env['NO_COLOR']);
    this.#interval = options.interval ?? 100;
  }

  get live(): boolean {
    return this.#live;
  }

  /** A spinner character that turns on every redraw (a fixed mark when not live). */
  get spinner(): string {
    return this.#live ? SPINNER[this.#frame % SPINNER.length]! : '*';
  }

  /** Starts redrawing the area produced by `render` (only when live). */
  start(render: () => string[]): void {
    this.#render = render;
    if (!this.#live) return;
    this.#out.write('\x1b[?25l'); // hide the cursor while redrawing
    this.#draw();
    this.#timer = setInterval(() => {
      this.#frame++;
      this.#redraw();
    }, this.#interval);
    this.#timer.unref();
  }

  /** Writes a line above the area. */
  log(line: string): void {
    if (!this.#live) {
      this.#out.write(`${line}\n`);
      return;
    }
    this.#clear();
    this.#out.write(`${line}\n`);
    this.#draw();
  }

  /** Stops redrawing; a live area is drawn one last time and left on screen. */
  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    if (!this.#live) return;
    this.#redraw();
    this.#drawn = 0;
    this.#out.write('\x1b[?25h');
  }

  /** `text` in green or red on a colour terminal, as is otherwise. */
  paint(text: string, tone: 'good' | 'bad' | 'dim'): string {
    if (!this.#color) return text;
    const code = tone === 'good' ? 32 : tone === 'bad' ? 31 : 2;
    return `\x1b[${code}m${text}\x1b[0m`;
  }

  #redraw(): void {
    this.#clear();
    this.#draw();
  }

  #clear(): void {
    if (this.#drawn > 0) this.#out.write(`\x1b[${this.#drawn}F\x1b[0J`);
    this.#drawn = 0;
  }

  #draw(): void {
    const width = this.#out.columns ?? 120;
    const lines = this.#render().map((l) => (l.length > width - 1 ? l.slice(0, width - 1) : l));
    if (lines.length > 0) this.#out.write(`${lines.join('\n')}\n`);
    this.#drawn = lines.length;
  }
}
