import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { DemoFailedError } from '../src/errors';
import { LiveDisplay } from '../src/live-display';
import { CheckRecorder, type DemoCheck } from '../src/demo/checks';
import type { DemoNode, Step } from '../src/demo/context';
import { diameter, linkCount, unreachable } from '../src/demo/graph';
import { checkLine, summarize } from '../src/demo/report';

/** Nodes whose sockets only have what the graph reads: an id and peer links. */
function line(names: string[], links: Array<[number, number]>): DemoNode[] {
  const peers = names.map(() => new Map<string, unknown>());
  for (const [a, b] of links) {
    peers[a]!.set(names[b]!, {});
    peers[b]!.set(names[a]!, {});
  }
  return names.map((name, i) => ({ name, socket: { id: name, peers: peers[i] } }) as unknown as DemoNode);
}

const plain = { paint: (text: string) => text };

describe('demo graph', () => {
  it('counts links, finds the diameter and who is cut off', () => {
    const nodes = line(['a', 'b', 'c', 'd'], [[0, 1], [1, 2], [2, 3]]);
    expect(linkCount(nodes)).toBe(3);
    expect(diameter(nodes)).toBe(3);
    expect(unreachable(nodes)).toBeUndefined();
    expect(unreachable(line(['a', 'b', 'c'], [[0, 1]]))).toBe('c is not reachable from a');
  });
});

describe('demo report', () => {
  const check = (result: DemoCheck['result'], detail = 'seen'): DemoCheck => ({ network: 'sync', title: 'a step', result, detail, ms: 12 });

  it('writes one numbered line per check, without a time when skipped', () => {
    expect(checkLine(check('ok'), 3, 12, plain)).toBe('[ 3/12] ok    sync   a step: seen (12 ms)');
    expect(checkLine(check('skipped', 'earlier'), 10, 12, plain)).toBe('[10/12] skip  sync   a step: earlier');
  });

  it('passes, fails naming the first failure, or reports an interruption', () => {
    expect(summarize([check('ok'), check('ok')], 2, 1500)).toEqual({ ok: true, interrupted: false, text: 'demo passed: all 2 checks held in 1.5 s' });
    const failed = summarize([check('failed', 'gone'), check('skipped')], 3, 40);
    expect(failed).toMatchObject({ ok: false, interrupted: true });
    expect(failed.text).toBe('demo FAILED: 1 of 3 checks failed, 1 skipped, then interrupted in 40 ms; first failure: sync: a step: gone');
    expect(summarize([check('ok')], 2, 40).text).toBe('demo interrupted after 1 of 2 checks (all held) in 40 ms');
  });
});

describe('demo check recorder', () => {
  function recorder(total: number): { rec: CheckRecorder; text: () => string } {
    const out = new PassThrough();
    let text = '';
    out.on('data', (c: Buffer) => (text += c.toString()));
    return { rec: new CheckRecorder(new LiveDisplay(out, { live: false }), total), text: () => text };
  }
  const step = (title: string, run: () => Promise<string>): Step => ({ network: 'mesh', title, run });

  it('records each step, and skips the rest of a network after a failure', async () => {
    const { rec, text } = recorder(3);
    await rec.runPhase(
      [
        step('one', async () => 'fine'),
        step('two', async () => {
          throw new DemoFailedError('missing');
        }),
        step('three', async () => 'never run'),
      ],
      undefined,
    );
    expect(rec.checks.map((c) => c.result)).toEqual(['ok', 'failed', 'skipped']);
    expect(rec.checks[1]!.detail).toBe('missing (DEMO_FAILED)');
    expect(text()).toMatch(/^\[3\/3\] skip  mesh   three: an earlier mesh step failed$/m);
  });

  it('records nothing more once the signal is aborted', async () => {
    const { rec } = recorder(2);
    const stop = new AbortController();
    await rec.runPhase(
      [
        step('one', async () => {
          stop.abort();
          throw new DemoFailedError('interrupted');
        }),
        step('two', async () => 'never run'),
      ],
      stop.signal,
    );
    expect(rec.checks).toEqual([]);
  });
});
