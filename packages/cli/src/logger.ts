/**
 * `--debug N` as a socket logger: 1 warnings and errors, 2 adds info, 3 or more adds debug.
 * Lines go to stderr so they never mix with a command's output. 0 (the default) injects no
 * logger, so the sockets' own DEBUG-driven logging applies (`DEBUG=p2p:*`, `DEBUG=p2p:mesh`).
 */
import type { Logger } from '@p2p/base';
import { inspect } from 'node:util';
import type { OutputStream } from './io';

const LEVELS = { error: 1, warn: 1, info: 2, debug: 3 } as const;

export function debugLogger(level: number, stream: OutputStream): Logger | undefined {
  if (level <= 0) return undefined;
  const line =
    (kind: keyof typeof LEVELS) =>
    (message: string, ...args: unknown[]): void => {
      if (level < LEVELS[kind]) return;
      const extra = args.map((a) => (typeof a === 'string' ? a : inspect(a, { depth: 3, breakLength: Infinity }))).join(' ');
      const time = new Date().toISOString().slice(11, 23);
      stream.write(`${time} ${kind.padEnd(5)} ${message}${extra ? ` ${extra}` : ''}\n`);
    };
  return { error: line('error'), warn: line('warn'), info: line('info'), debug: line('debug') };
}
