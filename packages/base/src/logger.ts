/**
 * Scoped debug logging, off by default. Pass a {@link Logger} (console works) to a socket's
 * options to see what it does; library code never writes to the console on its own.
 */
export interface Logger {
  debug(message: string, ...args: unknown[]): void;
  info(message: string, ...args: unknown[]): void;
  warn(message: string, ...args: unknown[]): void;
  error(message: string, ...args: unknown[]): void;
}

const noop = (): void => {};

/** A logger that drops everything. */
export const silentLogger: Logger = Object.freeze({ debug: noop, info: noop, warn: noop, error: noop });

/** Prefixes every line with `[scope]`, so one sink can serve many components. */
export function scopedLogger(logger: Logger | undefined, scope: string): Logger {
  if (!logger || logger === silentLogger) return silentLogger;
  const prefix = `[${scope}]`;
  return {
    debug: (m, ...a) => logger.debug(`${prefix} ${m}`, ...a),
    info: (m, ...a) => logger.info(`${prefix} ${m}`, ...a),
    warn: (m, ...a) => logger.warn(`${prefix} ${m}`, ...a),
    error: (m, ...a) => logger.error(`${prefix} ${m}`, ...a),
  };
}
