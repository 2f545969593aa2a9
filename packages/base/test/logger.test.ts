import createDebug from 'debug';
import { format } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { namespaceLogger, scopedLogger, silentLogger, type Logger } from '../src/index';

const previous = createDebug.disable();
const lines: string[] = [];
createDebug.log = (...args: unknown[]) => lines.push(format(...args));

afterEach(() => {
  createDebug.disable();
  lines.length = 0;
});

describe('the DEBUG-driven default logger', () => {
  it('writes nothing unless its namespace is enabled', () => {
    const log = scopedLogger(undefined, 'mesh 4Fe3a1b2');
    log.debug('hidden');
    expect(lines).toEqual([]);
    createDebug.enable('p2p:mesh');
    log.debug('handshake sent');
    namespaceLogger('chord').debug('not enabled');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('p2p:mesh');
    expect(lines[0]).toContain('[4Fe3a1b2] handshake sent');
  });

  it('p2p:* enables every component; warnings and errors are marked; a % in a message is kept', () => {
    createDebug.enable('p2p:*');
    namespaceLogger('sync').warn('100% leased');
    namespaceLogger('chord').error('lost', { peer: 'x' });
    expect(lines[0]).toMatch(/p2p:sync.*warn: 100% leased/);
    expect(lines[1]).toMatch(/p2p:chord.*error: lost.*peer/);
  });

  it('an injected logger gets [scope]-prefixed lines; silentLogger stays silent', () => {
    const got: string[] = [];
    const sink: Logger = { debug: (m) => got.push(`d ${m}`), info: (m) => got.push(`i ${m}`), warn: (m) => got.push(`w ${m}`), error: (m) => got.push(`e ${m}`) };
    const log = scopedLogger(sink, 'ssl');
    log.debug('a');
    log.info('b');
    log.warn('c');
    log.error('d');
    expect(got).toEqual(['d [ssl] a', 'i [ssl] b', 'w [ssl] c', 'e [ssl] d']);
    createDebug.enable('p2p:*');
    expect(scopedLogger(silentLogger, 'mesh')).toBe(silentLogger);
    expect(lines).toEqual([]);
  });
});

// Leave the process's DEBUG setting as it was for other files of the same worker.
afterEach(() => {
  if (previous) createDebug.enable(previous);
});
