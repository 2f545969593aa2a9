/** Spawns the built `p2p` executable and reads its output line by line, with deadlines. */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach } from 'vitest';

export const BIN = fileURLToPath(new URL('../dist/bin.js', import.meta.url));

const running = new Set<P2pProcess>();

afterEach(() => {
  for (const p of running) p.kill();
  running.clear();
});

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export class P2pProcess {
  readonly child: ChildProcessWithoutNullStreams;
  readonly lines: string[] = [];
  stdout = '';
  stderr = '';
  readonly exited: Promise<Exit>;
  #waiters = new Set<() => void>();

  constructor(args: readonly string[], env: NodeJS.ProcessEnv = {}) {
    this.child = spawn(process.execPath, [BIN, ...args], { stdio: 'pipe', env: { ...process.env, NO_COLOR: '1', ...env } });
    running.add(this);
    let partial = '';
    this.child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      this.stdout += chunk;
      partial += chunk;
      const parts = partial.split('\n');
      partial = parts.pop()!;
      this.lines.push(...parts);
      for (const wake of this.#waiters) wake();
    });
    this.child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      this.stderr += chunk;
      for (const wake of this.#waiters) wake();
    });
    this.exited = new Promise((resolve) => {
      this.child.on('close', (code, signal) => {
        running.delete(this);
        for (const wake of this.#waiters) wake();
        resolve({ code, signal, stdout: this.stdout, stderr: this.stderr });
      });
    });
  }

  /** Resolves with the first line (from index `from`) matching `pattern`. */
  waitForLine(pattern: RegExp, { timeout = 10_000, from = 0 } = {}): Promise<RegExpExecArray> {
    return new Promise((resolve, reject) => {
      let exited = false;
      const check = (): void => {
        for (let i = from; i < this.lines.length; i++) {
          const match = pattern.exec(this.lines[i]!);
          if (match) {
            done();
            resolve(match);
            return;
          }
        }
        if (this.child.exitCode !== null || exited) {
          done();
          reject(new Error(`p2p exited before printing ${pattern}\nstdout:\n${this.stdout}\nstderr:\n${this.stderr}`));
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`timed out waiting for ${pattern}\nstdout:\n${this.stdout}\nstderr:\n${this.stderr}`));
      }, timeout);
      const done = (): void => {
        clearTimeout(timer);
        this.#waiters.delete(check);
      };
      void this.exited.then(() => {
        exited = true;
      });
      this.#waiters.add(check);
      check();
    });
  }

  /** The address from the "listening on HOST:PORT" line. */
  async address(): Promise<string> {
    const [, addr] = await this.waitForLine(/^listening on (\S+:\d+) as /);
    return addr!;
  }

  send(line: string): void {
    this.child.stdin.write(`${line}\n`);
  }

  /** Ends stdin (end of input) and resolves with the exit. */
  async end(timeout = 10_000): Promise<Exit> {
    this.child.stdin.end();
    return this.exitWithin(timeout);
  }

  async exitWithin(timeout: number): Promise<Exit> {
    let timer: NodeJS.Timeout | undefined;
    const limit = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`p2p did not exit within ${timeout} ms\nstdout:\n${this.stdout}\nstderr:\n${this.stderr}`)), timeout);
    });
    try {
      return await Promise.race([this.exited, limit]);
    } finally {
      clearTimeout(timer);
    }
  }

  kill(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }
}

export function p2p(...args: string[]): P2pProcess {
  return new P2pProcess(args);
}

/** Runs `p2p args` to completion (stdin closed at once). */
export function run(args: string[], timeout = 30_000): Promise<Exit> {
  const p = new P2pProcess(args);
  p.child.stdin.end();
  return p.exitWithin(timeout);
}
