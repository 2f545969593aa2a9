/**
 * What a command may touch of the outside world. The `p2p` executable passes the process's
 * streams and signals; tests and embedders pass their own.
 */
import type { Readable, Writable } from 'node:stream';

/** An output stream, possibly a terminal. */
export type OutputStream = Writable & { isTTY?: boolean; columns?: number; rows?: number };

/** An input stream, possibly a terminal. */
export type InputStream = Readable & { isTTY?: boolean };

export interface CliIo {
  readonly stdin: InputStream;
  readonly stdout: OutputStream;
  readonly stderr: OutputStream;
  /** Calls `handler` on SIGINT / SIGTERM; returns a function that stops listening. */
  onSignal(handler: (signal: string) => void): () => void;
}

/** The running process's streams and signals. */
export function processIo(): CliIo {
  return {
    stdin: process.stdin,
    stdout: process.stdout,
    stderr: process.stderr,
    onSignal(handler) {
      const listener = (signal: NodeJS.Signals): void => handler(signal);
      process.on('SIGINT', listener);
      process.on('SIGTERM', listener);
      return () => {
        process.off('SIGINT', listener);
        process.off('SIGTERM', listener);
      };
    },
  };
}

/** Writes one line (a trailing newline is added). */
export function writeLine(stream: OutputStream, text = ''): void {
  stream.write(`${text}\n`);
}
