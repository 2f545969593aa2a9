/**
 * Errors of the command line. Everything else that reaches the top is a {@link P2PError} from
 * a socket (or a bug), shown as one line by {@link describeError}.
 */
import { P2PError, isP2PError, type P2PErrorOptions } from '@p2p/base';

/** Thrown when the command line (or a prompt command) is malformed; the CLI exits with 2. */
export class UsageError extends P2PError {
  constructor(message: string, options?: P2PErrorOptions) {
    super('USAGE', message, options);
  }
}

/** Thrown when a demo check did not hold; the CLI exits with 1. */
export class DemoFailedError extends P2PError {
  constructor(message: string, options?: P2PErrorOptions) {
    super('DEMO_FAILED', message, options);
  }
}

/**
 * `what: reason` for a failure the CLI names itself ("cannot connect to X"), without repeating
 * that prefix when the error already starts with it.
 */
export function failureText(what: string, err: unknown): string {
  const reason = describeError(err);
  return reason.startsWith(`${what}: `) ? reason : `${what}: ${reason}`;
}

/** One line for a human: the message and, for typed errors, the code. Never a stack trace. */
export function describeError(err: unknown): string {
  if (isP2PError(err)) {
    const cause = err.cause instanceof Error && !err.message.includes(err.cause.message) ? `: ${err.cause.message}` : '';
    return `${err.message}${cause} (${err.code})`;
  }
  if (err instanceof Error) return err.message;
  return String(err);
}
