import { execFileSync } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { BIN, P2pProcess, p2p, run } from './helpers';

/** The `metrics on URL` line a node prints at start. */
async function metricsUrl(p: P2pProcess): Promise<string> {
  const [, url] = await p.waitForLine(/^metrics on (http:\/\/127\.0\.0\.1:\d+\/metrics)$/);
  return url!;
}

async function scrape(url: string): Promise<string> {
  const response = await fetch(url, { signal: AbortSignal.timeout(5000) });
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return response.text();
}

/** The value of the sample line `name{labels}` (labels exactly as rendered), or NaN. */
function sample(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? NaN : Number(line.slice(series.length + 1));
}

/** Retries `check` until it passes or `timeout` ms went by. */
async function until(check: () => Promise<void>, timeout = 10_000): Promise<void> {
  const deadline = Date.now() + timeout;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

describe('--metrics and p2p status', () => {
  it('a running mesh node serves the counts the traffic it got caused; p2p status reads them', async () => {
    const a = p2p('mesh', '--metrics', '127.0.0.1:0');
    const addr = await a.address();
    const url = await metricsUrl(a);
    const b = p2p('mesh', '--connect', addr);
    await b.waitForLine(/^connected to /);
    for (const line of ['one', 'two', 'three']) b.send(line);
    await a.waitForLine(/^\[\w+\] three$/);
    a.send('reply from a');
    await b.waitForLine(/^\[\w+\] reply from a$/);

    await until(async () => {
      const text = await scrape(url);
      expect(sample(text, 'p2p_messages_received_total{flag="broadcast",type="broadcast"}')).toBe(3);
      expect(sample(text, 'p2p_messages_sent_total{flag="broadcast",type="broadcast"}')).toBe(1);
      expect(sample(text, 'p2p_messages_received_total{flag="whisper",type="handshake"}')).toBe(1);
      expect(sample(text, 'p2p_peers{direction="incoming"}')).toBe(1);
      expect(sample(text, 'p2p_connections_opened_total{direction="incoming"}')).toBe(1);
      expect(sample(text, 'p2p_delivery_latency_seconds_count')).toBeGreaterThanOrEqual(5);
      expect(text).toMatch(/^p2p_node_info\{id="\w+",kind="mesh",subnet="mesh",encryption="Plaintext"\} 1$/m);
    });
    const missing = await fetch(url.replace('/metrics', '/other'), { signal: AbortSignal.timeout(5000) });
    expect(missing.status).toBe(404);

    const status = await run(['status', new URL(url).host]);
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/^node {6}\w+ \(mesh, subnet "mesh", Plaintext\)$/m);
    expect(status.stdout).toMatch(/^peers {5}1 \(1 incoming, 0 outgoing\), 0 pending$/m);
    expect(status.stdout).toMatch(/^messages {2}\d+ in, \d+ out, 0 relayed, 0 dropped$/m);
    expect(status.stdout).toMatch(/^uptime {4}\d+s$/m);

    // Piped output stays plain: no status line, no terminal codes.
    const [exitA] = await Promise.all([a.end(), b.end()]);
    expect(exitA.code).toBe(0);
    expect(exitA.stdout).not.toMatch(/peers \d+ \(/);
    expect(exitA.stdout).not.toContain('\x1b');
  });

  it('p2p status fails with exit code 1 when nothing serves metrics there; a taken --metrics port fails the node', async () => {
    const a = p2p('mesh', '--metrics', '0');
    const port = new URL(await metricsUrl(a)).port;
    const status = await run(['status', '127.0.0.1:1']);
    expect(status.code).toBe(1);
    expect(status.stderr).toMatch(/^p2p: cannot read http:\/\/127\.0\.0\.1:1\/metrics: .+$/m);
    const clash = await run(['mesh', '--metrics', `127.0.0.1:${port}`]);
    expect(clash.code).toBe(1);
    expect(clash.stderr).toMatch(/cannot serve metrics on 127\.0\.0\.1:\d+/);
    expect((await run(['mesh', '--metrics', 'nonsense'])).code).toBe(2);
    await a.end();
  });

  it('p2p seed --metrics serves chord series', async () => {
    const seed = p2p('seed', '--port', '0', '--metrics', '127.0.0.1:0');
    const url = await metricsUrl(seed);
    const text = await scrape(url);
    expect(text).toMatch(/^# TYPE p2p_chord_lookups_total counter$/m);
    expect(text).toMatch(/^p2p_node_info\{id="\w+",kind="seed",subnet="bootstrap",encryption="Plaintext"\} 1$/m);
    seed.child.kill('SIGTERM');
    expect((await seed.exitWithin(10_000)).code).toBe(0);
  });
});

describe('DEBUG=p2p:mesh', () => {
  it('prints the handshake of a connection on stderr, and nothing without it', async () => {
    const a = new P2pProcess(['mesh'], { DEBUG: 'p2p:mesh' });
    const addr = await a.address();
    const b = p2p('mesh', '--connect', addr);
    await b.waitForLine(/^connected to /);
    await a.waitForLine(/^\* peer \w+ connected/);
    await until(async () => {
      expect(a.stderr).toMatch(/p2p:mesh \[\w{8}\] handshake sent on MeshConnection\(pending, incoming, 127\.0\.0\.1:\d+\): \w+ 127\.0\.0\.1:\d+ compression \[/);
      expect(a.stderr).toMatch(/p2p:mesh \[\w{8}\] peer \w{8} connected \(incoming\)/);
    });
    const [exitA, exitB] = await Promise.all([a.end(), b.end()]);
    expect(exitA.code).toBe(0);
    expect(exitB.stderr).toBe('');
  });
});

// ---------------------------------------------------------------- a real terminal (tmux)

const TMUX_SOCKET = `p2p-cli-test-${process.pid}`;
const tmux = (...args: string[]): string => execFileSync('tmux', ['-L', TMUX_SOCKET, ...args], { encoding: 'utf8' });

afterEach(() => {
  try {
    tmux('kill-server');
  } catch {
    // no server was started
  }
});

/** The visible screen of the tmux pane once it matches `pattern`. */
async function screen(pattern: RegExp, timeout = 10_000): Promise<string> {
  let last = '';
  try {
    await until(async () => {
      last = tmux('capture-pane', '-p', '-t', 'node');
      expect(last).toMatch(pattern);
    }, timeout);
  } catch {
    throw new Error(`the terminal never showed ${pattern}; it shows:\n${last}`);
  }
  return last;
}

describe('the status line on a terminal', () => {
  it('is redrawn in place above the prompt with the peer count as peers come and go', async () => {
    tmux('new-session', '-d', '-s', 'node', '-x', '140', '-y', '24', `NO_COLOR=1 ${process.execPath} ${BIN} mesh`);
    const start = await screen(/^listening on (\S+) as /m);
    const addr = /^listening on (\S+) as /m.exec(start)![1]!;
    await screen(/^peers 0 \(0 in, 0 out\) \| msgs 0 in, 0 out \| 0 B in, 0 B out \| up \d+s\nmesh>\s*$/m);

    const b = p2p('mesh', '--connect', addr);
    await b.waitForLine(/^connected to /);
    const one = await screen(/^peers 1 \(1 in, 0 out\) \| msgs [1-9]\d* in/m);
    // Printed lines go above it; the status line stays one line, just above the prompt.
    expect(one).toMatch(/^\* peer \w+ connected \(127\.0\.0\.1:\d+, incoming\)\npeers 1 /m);
    expect(one.match(/^peers \d+ \(/gm)).toHaveLength(1);

    b.send('hello terminal');
    await screen(/^\[\w+\] hello terminal\npeers 1 \(1 in, 0 out\) \| [^\n]*\nmesh>\s*$/m);
    await b.end();
    const after = await screen(/^peers 0 \(0 in, 0 out\) \| /m);
    expect(after.match(/^peers \d+ \(/gm)).toHaveLength(1);
    tmux('send-keys', '-t', 'node', 'quit', 'Enter');
  });
});
