import { describe, expect, it, vi } from 'vitest';
import * as errors from '../src/errors';

// A second, independent copy of errors.ts, as when a program loads both the ESM and the CJS build
// of base, or two versions of it.
async function secondCopy(): Promise<typeof errors> {
  vi.resetModules();
  // @ts-expect-error: the query string makes Vite load the file as a separate module
  return (await import('../src/errors?second-copy')) as typeof errors;
}

describe('P2PError across copies of base', () => {
  it('the copy is a different class', async () => {
    const other = await secondCopy();
    expect(other.P2PError).not.toBe(errors.P2PError);
    expect(other.ClosedError).not.toBe(errors.ClosedError);
  });

  it('instanceof P2PError and isP2PError hold both ways', async () => {
    const other = await secondCopy();
    const ours = new errors.ClosedError('ours');
    const theirs = new other.ClosedError('theirs');
    expect(theirs instanceof errors.P2PError).toBe(true);
    expect(ours instanceof other.P2PError).toBe(true);
    expect(errors.isP2PError(theirs)).toBe(true);
    expect(other.isP2PError(ours)).toBe(true);
    expect(errors.isP2PError(theirs, 'CLOSED')).toBe(true);
    expect(errors.isP2PError(theirs, 'TIMEOUT')).toBe(false);
    expect(errors.asP2PError(theirs)).toBe(theirs);
  });

  it('subclasses keep their own prototype check', async () => {
    const other = await secondCopy();
    const theirs = new other.ClosedError('theirs');
    expect(theirs instanceof other.ClosedError).toBe(true);
    expect(theirs instanceof errors.ClosedError).toBe(false);
    expect(new errors.ClosedError('x') instanceof errors.ClosedError).toBe(true);
    expect(new errors.ClosedError('x') instanceof errors.TimeoutError).toBe(false);
    // The code is what identifies it across copies.
    expect(theirs.code).toBe('CLOSED');
    expect(theirs.name).toBe('ClosedError');
  });

  it('plain errors and look-alikes are not P2PErrors', async () => {
    const other = await secondCopy();
    for (const value of [new Error('x'), { code: 'CLOSED', name: 'ClosedError' }, null, undefined, 'CLOSED', 42]) {
      expect(value instanceof errors.P2PError).toBe(false);
      expect(errors.isP2PError(value)).toBe(false);
      expect(other.isP2PError(value)).toBe(false);
    }
    expect(errors.asP2PError(new Error('boom'))).toMatchObject({ code: 'INTERNAL', message: 'boom' });
  });

  it('keeps code, details and cause', () => {
    const cause = new Error('root');
    const err = new errors.TimeoutError('late', { cause, details: { ms: 5 } });
    expect(err).toBeInstanceOf(Error);
    expect(err.cause).toBe(cause);
    expect(err.details).toEqual({ ms: 5 });
    expect(new errors.AbortError().message).toMatch(/aborted/);
  });
});
