import { describe, expect, it, vi } from 'vitest';
import { TypedEmitter } from '../src/events';
import { withDeadline } from '../src/abort';
import { P2PError, isP2PError, TimeoutError } from '../src/errors';
import { Message } from '../src/message';
import { Protocol } from '../src/protocol-id';
import { encodeFrame } from '../src/frame';
import { decodeFrame } from '../src/frame-decode';
import { scopedLogger, silentLogger } from '../src/logger';

type Events = { ping: [n: number]; done: [] };
class Emitter extends TypedEmitter<Events> {
  fire<E extends keyof Events>(e: E, ...args: Events[E]): boolean {
    return this.emit(e, ...args);
  }
}

describe('TypedEmitter', () => {
  it('calls listeners in order, once() once, and off() removes', () => {
    const e = new Emitter();
    const seen: string[] = [];
    const off = e.on('ping', (n) => seen.push(`a${n}`));
    e.once('ping', (n) => seen.push(`b${n}`));
    e.fire('ping', 1);
    e.fire('ping', 2);
    off();
    expect(e.fire('ping', 3)).toBe(false);
    expect(seen).toEqual(['a1', 'b1', 'a2']);
  });

  it('does not let a throwing listener stop the others, and surfaces the error asynchronously', async () => {
    const e = new Emitter();
    const second = vi.fn();
    e.on('done', () => {
      throw new Error('boom');
    });
    e.on('done', second);
    const errors: unknown[] = [];
    const onUncaught = (err: unknown): void => void errors.push(err);
    process.prependListener('uncaughtException', onUncaught);
    try {
      e.fire('done');
      expect(second).toHaveBeenCalledOnce();
      await new Promise((r) => setTimeout(r, 0));
    } finally {
      process.off('uncaughtException', onUncaught);
    }
    expect(errors.map((x) => (x as Error).message)).toEqual(['boom']);
  });
});

describe('withDeadline', () => {
  it('resolves, times out with TIMEOUT, aborts with ABORTED', async () => {
    expect(await withDeadline(async () => 5, { timeout: 100 })).toBe(5);
    await expect(withDeadline(() => new Promise(() => {}), { timeout: 5, what: 'x' })).rejects.toBeInstanceOf(TimeoutError);
    const c = new AbortController();
    const p = withDeadline(() => new Promise(() => {}), { signal: c.signal });
    c.abort();
    await expect(p).rejects.toMatchObject({ code: 'ABORTED' });
  });

  it('passes a signal that aborts when the deadline passes', async () => {
    let inner: AbortSignal | undefined;
    await expect(withDeadline((s) => ((inner = s), new Promise(() => {})), { timeout: 5 })).rejects.toMatchObject({ code: 'TIMEOUT' });
    expect(inner?.aborted).toBe(true);
  });
});

describe('errors', () => {
  it('carry code, name, cause and details', () => {
    const cause = new Error('x');
    const e = new TimeoutError('late', { cause, details: { ms: 5 } });
    expect(e).toBeInstanceOf(P2PError);
    expect(e.name).toBe('TimeoutError');
    expect(e.code).toBe('TIMEOUT');
    expect(e.cause).toBe(cause);
    expect(e.details).toEqual({ ms: 5 });
    expect(isP2PError(e, 'TIMEOUT')).toBe(true);
    expect(isP2PError(new Error('no'))).toBe(false);
  });
});

describe('Message', () => {
  it('exposes the py2p message fields and routes reply()', async () => {
    const frame = encodeFrame({ type: 0, sender: 'abc', time: 1500000000, payload: [0, 'hi', 5n] });
    const wire = decodeFrame(frame);
    const replies: unknown[] = [];
    const m = new Message({ wire, protocol: new Protocol('mesh', 'Plaintext'), reply: async (p) => void replies.push(p) });
    expect(m.packets).toEqual([0, 'hi', 5]);
    expect(m.sender).toBe('abc');
    expect(m.time58).toBe('3HYtjy');
    expect(m.byteLength).toBe(frame.length);
    expect(m.idHex).toHaveLength(64);
    expect(m.toString()).toContain('"hi"');
    await m.reply('back', 1);
    expect(replies).toEqual([['back', 1]]);
  });
});

describe('logger', () => {
  it('stays silent with silentLogger and scopes a sink (the DEBUG-driven default: logger.test.ts)', () => {
    expect(scopedLogger(silentLogger, 'x')).toBe(silentLogger);
    const lines: string[] = [];
    const log = scopedLogger({ debug: (m) => lines.push(m), info: () => {}, warn: () => {}, error: () => {} }, 'mesh');
    log.debug('hello');
    expect(lines).toEqual(['[mesh] hello']);
  });
});
