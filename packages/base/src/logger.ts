/**
 * Scoped debug logging. By default a component logs through the `debug` package under the
 * namespace `p2p:<component>` (`p2p:mesh`, `p2p:sync`, `p2p:chord`, `p2p:ssl`), so nothing is
 * written unless `DEBUG=p2p:*` (or one namespace) is set in the environment, or
 * `localStorage.debug` in a browser. Pass a {@link Logger} (console works) to a socket's options
 * to send the lines somewhere else, or {@link silentLogger} to turn them off for good; library
 * code never writes to the console on its own.
 */
import createDebug from 'debug';

export interface Logger {
  debug(message: string, ...args: unknown[]): void;
  info(message: string, ...args: unknown[]): void;
  warn(message: string, ...args: unknown[]): void;
  error(message: string, ...args: unknown[]): void;
}

const noop = (): void => {};

/** A logger that drops everything. */
export const silentLogger: Logger = Object.freeze({ debug: noop, info: noop, warn: noop, error: noop });

/** The prefix of every `debug` namespace @p2p uses. */
export const DEBUG_NAMESPACE = 'p2p';

/**
 * The DEBUG-driven logger of a scope: `'mesh'` logs as `p2p:mesh`; `'mesh 4Fe3a1b2'` as
 * `p2p:mesh` with `[4Fe3a1b2]` before each line. Warnings and errors are marked in the line and
 * go to the same namespace. Whether a line is written is decided when it is logged, so
 * `debug.enable()` at run time takes effect.
 */
export function namespaceLogger(scope: string): Logger {
  const space = scope.indexOf(' ');
  const component = space < 0 ? scope : scope.slice(0, space);
  const prefix = space < 0 ? '' : `[${scope.slice(space + 1)}] `;
  const log = createDebug(`${DEBUG_NAMESPACE}:${component}`);
  // '%s' first: a message is never read as a format string (peer text may hold a '%').
  const line =
    (mark: string) =>
    (message: string, ...args: unknown[]): void => {
      if (log.enabled) log('%s', `${mark}${prefix}${message}`, ...args);
    };
  return { debug: line(''), info: line(''), warn: line('warn: '), error: line('error: ') };
}

/**
 * The logger of one component. Without `logger`, the DEBUG-driven {@link namespaceLogger};
 * with one, lines go to it prefixed `[scope]`, so one sink can serve many components.
 */
export function scopedLogger(logger: Logger | undefined, scope: string): Logger {
  if (logger === silentLogger) return silentLogger;
  if (!logger) return namespaceLogger(scope);
  const prefix = `[${scope}]`;
  return {
    debug: (m, ...a) => logger.debug(`${prefix} ${m}`, ...a),
    info: (m, ...a) => logger.info(`${prefix} ${m}`, ...a),
    warn: (m, ...a) => logger.warn(`${prefix} ${m}`, ...a),
    error: (m, ...a) => logger.error(`${prefix} ${m}`, ...a),
  };
}
