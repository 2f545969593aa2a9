import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { runCli, type CliIo } from '../src/index';
import { formatKey, formatValue } from '../src/format';
import { LiveDisplay } from '../src/live-display';
import { parseHostPort } from '../src/options';
import { progressBar, renderTable } from '../src/status-table';

function memoryIo(): CliIo & { out: () => string; err: () => string } {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c: Buffer) => (out += c.toString()));
  stderr.on('data', (c: Buffer) => (err += c.toString()));
  return { stdin: new PassThrough(), stdout, stderr, onSignal: () => () => {}, out: () => out, err: () => err };
}

describe('renderTable', () => {
  it('aligns columns, right-aligns numbers and trims trailing blanks', () => {
    const rows = [
      { name: 'm0', peers: 4, state: 'up' },
      { name: 'chord-10', peers: 12, state: '' },
    ];
    expect(
      renderTable(
        [
          { header: 'node', value: (r) => r.name },
          { header: 'peers', value: (r) => r.peers, align: 'right' },
          { header: 'state', value: (r) => r.state },
        ],
        rows,
      ),
    ).toEqual(['node      peers  state', 'm0            4  up', 'chord-10     12']);
  });

  it('progressBar fills in proportion and clamps', () => {
    expect(progressBar(0, 4, 8)).toBe('[........]');
    expect(progressBar(2, 4, 8)).toBe('[####....]');
    expect(progressBar(9, 4, 8)).toBe('[########]');
  });
});

describe('LiveDisplay', () => {
  it('writes only log lines, without terminal codes, when not live', () => {
    const stream = new PassThrough();
    let text = '';
    stream.on('data', (c: Buffer) => (text += c.toString()));
    const display = new LiveDisplay(stream, { live: false });
    display.start(() => ['area']);
    display.log('one');
    display.stop();
    expect(text).toBe('one\n');
    expect(display.paint('ok', 'good')).toBe('ok');
  });

  it('redraws the area below log lines when live', () => {
    const stream = new PassThrough();
    let text = '';
    stream.on('data', (c: Buffer) => (text += c.toString()));
    const display = new LiveDisplay(stream, { live: true, color: false });
    display.start(() => ['area 1', 'area 2']);
    display.log('one');
    display.stop();
    expect(text).toContain('area 1\narea 2\n\x1b[2F\x1b[0Jone\narea 1\narea 2\n');
  });
});

describe('parsing and formatting', () => {
  it('parseHostPort takes host:port and [v6]:port', () => {
    expect(parseHostPort('127.0.0.1:4444')).toEqual(['127.0.0.1', 4444]);
    expect(parseHostPort('[::1]:80')).toEqual(['::1', 80]);
    expect(() => parseHostPort('127.0.0.1')).toThrow(/host:port/);
    expect(() => parseHostPort('h:0')).toThrow(/port 0/);
  });

  it('formatKey shows text keys as text and binary ones as hex', () => {
    expect(formatKey(new TextEncoder().encode('测试'))).toBe('测试');
    expect(formatKey(new Uint8Array([0xff, 0x00]))).toBe('0xff00');
    expect(formatValue({ a: [1, 2] })).toBe('{ a: [ 1, 2 ] }');
  });
});

describe('runCli in process', () => {
  it('returns 2 with a usage message for bad arguments, never throws', async () => {
    const io = memoryIo();
    expect(await runCli(['mesh', '--port', 'x'], io)).toBe(2);
    expect(io.err()).toMatch(/error: option '--port <port>' argument 'x' is invalid/);
    expect(io.err()).toMatch(/Usage: p2p mesh \[options\]/);
  });

  it('runs a mesh node from a script on stdin and returns 0 at the end of input', async () => {
    const io = memoryIo();
    const done = runCli(['mesh'], io);
    (io.stdin as PassThrough).end('status\n');
    expect(await done).toBe(0);
    expect(io.out()).toMatch(/^listening on 127\.0\.0\.1:\d+ as \w+ \(mesh, subnet "mesh", Plaintext\)$/m);
    expect(io.out()).toMatch(/^status {4}Nominal$/m);
  });
});
