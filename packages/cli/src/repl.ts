/**
 * A line-oriented prompt. On a terminal it shows a prompt and keeps it below printed lines; with
 * piped stdin it reads lines and writes plain lines, so scripts and tests can drive a node.
 * Commands run one at a time, in order; end of input waits for the running ones, then ends.
 * On a terminal an optional status line sits just above the prompt and is redrawn in place;
 * without a terminal it is never written, so piped output stays plain lines.
 */
import { createInterface, clearLine, clearScreenDown, cursorTo, moveCursor, type Interface } from 'node:readline';
import { describeError, UsageError } from './errors';
import type { InputStream, OutputStream } from './io';

/** One prompt command. `args` is the rest of the line after the command word, trimmed. */
export interface ReplCommand {
  readonly name: string;
  readonly aliases?: readonly string[];
  /** Shown by `help`, e.g. `set <key> <value>`. */
  readonly usage: string;
  readonly help: string;
  run(args: string): void | Promise<void>;
}

export interface ReplOptions {
  input: InputStream;
  output: OutputStream;
  /** Prompt text on a terminal. */
  prompt: string;
  commands: readonly ReplCommand[];
  /** Runs for a line that names no command; without it such lines are an error. */
  fallback?: (line: string) => void | Promise<void>;
  /** The status line's text (terminal only), redrawn every `statusInterval` ms. */
  status?: () => string;
  /** @default 1000 */
  statusInterval?: number;
}

// DECSC / DECRC: save and restore the cursor, so a redraw leaves what is being typed alone.
const SAVE_CURSOR = '\x1b7';
const RESTORE_CURSOR = '\x1b8';

export class Repl {
  readonly #options: ReplOptions;
  readonly #commands = new Map<string, ReplCommand>();
  readonly #terminal: boolean;
  #rl: Interface | undefined;
  #chain: Promise<void> = Promise.resolve();
  /** Input ended (end of file, `quit` or {@link end}): no prompt any more. */
  #ended = false;
  /** `quit` or {@link end}: lines already read but not run yet are dropped. */
  #stopped = false;
  #done: Promise<void> | undefined;
  #statusTimer: NodeJS.Timeout | undefined;

  constructor(options: ReplOptions) {
    this.#options = options;
    this.#terminal = Boolean(options.input.isTTY && options.output.isTTY);
    const help: ReplCommand = {
      name: 'help',
      usage: 'help',
      help: 'list the commands',
      run: () => this.#printHelp(),
    };
    for (const command of [...options.commands, help]) {
      this.#commands.set(command.name, command);
      for (const alias of command.aliases ?? []) this.#commands.set(alias, command);
    }
  }

  /** Writes a line without disturbing what the user is typing at the prompt. */
  print(text: string): void {
    const { output } = this.#options;
    if (this.#statusShown()) {
      // Over the status line: the printed line, the status again, then the prompt. The extra
      // newlines match the rows readline climbs back over when it redraws a wrapped input.
      const rows = this.#rl!.getCursorPos().rows;
      moveCursor(output, 0, -(rows + 1));
      cursorTo(output, 0);
      clearScreenDown(output);
      output.write(`${text}\n${this.#statusText()}\n${'\n'.repeat(rows)}`);
      this.#rl!.prompt(true);
    } else if (this.#terminal && this.#rl && !this.#ended) {
      clearLine(output, 0);
      cursorTo(output, 0);
      output.write(`${text}\n`);
      this.#rl.prompt(true);
    } else {
      output.write(`${text}\n`);
    }
  }

  /** Reads lines until end of input, `quit` or {@link end}; resolves once the last command finished. */
  run(): Promise<void> {
    this.#done ??= new Promise<void>((resolve) => {
      if (this.#stopped) {
        resolve();
        return;
      }
      const rl = createInterface({
        input: this.#options.input,
        output: this.#terminal ? this.#options.output : undefined,
        terminal: this.#terminal,
        prompt: this.#options.prompt,
      });
      this.#rl = rl;
      rl.on('line', (line) => {
        if (this.#stopped) return;
        this.#chain = this.#chain.then(() => this.#handle(line));
      });
      // Ctrl+C at the prompt ends the session like a signal would.
      rl.on('SIGINT', () => this.end());
      rl.on('close', () => {
        clearInterval(this.#statusTimer);
        this.#ended = true;
        void this.#chain.then(resolve);
      });
      if (this.#terminal && this.#options.status) {
        this.#options.output.write(`${this.#statusText()}\n`);
        this.#statusTimer = setInterval(() => this.#redrawStatus(), this.#options.statusInterval ?? 1000);
        this.#statusTimer.unref();
      }
      if (this.#terminal) rl.prompt();
    });
    return this.#done;
  }

  /** Stops reading; {@link run} resolves once the running command finished. Safe to call twice. */
  end(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    if (this.#statusShown()) this.#redrawStatus();
    clearInterval(this.#statusTimer);
    if (this.#terminal && !this.#ended) this.#options.output.write('\n');
    this.#ended = true;
    this.#rl?.close();
  }

  async #handle(line: string): Promise<void> {
    if (this.#stopped) return;
    const text = line.trim();
    if (text.length > 0) {
      const space = text.search(/\s/);
      const word = space < 0 ? text : text.slice(0, space);
      const args = space < 0 ? '' : text.slice(space + 1).trim();
      const command = this.#commands.get(word.toLowerCase());
      try {
        if (command) await command.run(args);
        else if (this.#options.fallback) await this.#options.fallback(text);
        else throw new UsageError(`unknown command "${word}" (type help for the list)`);
      } catch (err) {
        if (err instanceof UsageError) this.print(err.message.startsWith('usage:') ? err.message : `error: ${err.message}`);
        else this.print(`error: ${describeError(err)}`);
      }
    }
    if (this.#terminal && !this.#ended) this.#rl?.prompt();
  }

  #statusShown(): boolean {
    return this.#terminal && this.#options.status !== undefined && this.#rl !== undefined && !this.#ended;
  }

  /** The status text cut to the terminal's width (a wrapped line could not be redrawn in place). */
  #statusText(): string {
    const width = this.#options.output.columns ?? 80;
    const text = this.#options.status?.() ?? '';
    return text.length > width - 1 ? text.slice(0, width - 1) : text;
  }

  #redrawStatus(): void {
    if (!this.#statusShown()) return;
    const { output } = this.#options;
    output.write(SAVE_CURSOR);
    moveCursor(output, 0, -(this.#rl!.getCursorPos().rows + 1));
    cursorTo(output, 0);
    clearLine(output, 0);
    output.write(this.#statusText());
    output.write(RESTORE_CURSOR);
  }

  #printHelp(): void {
    const commands = [...new Set(this.#commands.values())];
    const width = Math.max(...commands.map((c) => c.usage.length));
    for (const c of commands) this.print(`  ${c.usage.padEnd(width)}  ${c.help}`);
    if (this.#options.fallback) this.print('  any other line is sent to every node of the network');
  }
}
