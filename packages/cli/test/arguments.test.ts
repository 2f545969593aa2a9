import { describe, expect, it } from 'vitest';
import { p2p, run } from './helpers';

const noStack = (text: string): void => expect(text).not.toMatch(/\n\s+at .+\(.*:\d+:\d+\)/);

describe('bad arguments', () => {
  it.each([
    [[] as string[], /Usage: p2p/],
    [['bogus'], /unknown command 'bogus'/],
    [['mesh', '--port', 'abc'], /option '--port <port>' argument 'abc' is invalid/],
    [['mesh', '--port', '70000'], /a port is a number from 0 to 65535/],
    [['mesh', '--connect', 'nowhere'], /expected host:port/],
    [['mesh', '--no-leasing'], /unknown option '--no-leasing'/],
    [['mesh', '--debug', 'loud'], /the debug level is a whole number/],
    [['demo', '--nodes', '1'], /from 3 to 32/],
    [['seed', '--outward-port', '5'], /--outward-port needs --outward-address/],
  ])('p2p %j: usage message on stderr, exit code 2', async (args, message) => {
    const exit = await run(args);
    expect(exit.code).toBe(2);
    expect(exit.stderr).toMatch(message);
    expect(exit.stderr).toMatch(/Usage: p2p|p2p --help/);
    expect(exit.stdout).toBe('');
    noStack(exit.stderr);
  });

  it('--help and --version exit 0 on stdout', async () => {
    const help = await run(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: p2p \[options\] \[command\]/);
    for (const command of ['mesh', 'sync', 'chord', 'seed', 'demo']) expect(help.stdout).toMatch(new RegExp(`^ {2}${command} `, 'm'));
    const meshHelp = await run(['mesh', '--help']);
    expect(meshHelp.stdout).toMatch(/--connect <host:port\.\.\.>/);
    const version = await run(['--version']);
    expect(version.code).toBe(0);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });
});

describe('network errors', () => {
  it('a port in use: one line, exit code 1', async () => {
    const a = p2p('mesh');
    const addr = await a.address();
    const port = addr.split(':').pop()!;
    const exit = await run(['mesh', '--port', port]);
    expect(exit.code).toBe(1);
    expect(exit.stderr.trim().split('\n')).toHaveLength(1);
    expect(exit.stderr).toMatch(new RegExp(`^p2p: cannot listen on 127\\.0\\.0\\.1:${port}: .*\\(LISTEN_FAILED\\)$`, 'm'));
  });

  it('nobody to connect to: one line, exit code 1', async () => {
    const exit = await run(['sync', '--connect', '127.0.0.1:1']);
    expect(exit.code).toBe(1);
    expect(exit.stderr).toMatch(/^p2p: cannot connect to 127\.0\.0\.1:1: .*\(CONNECT_FAILED\)$/m);
    expect(exit.stderr).toMatch(/^p2p: could not connect to the given peer$/m);
    noStack(exit.stderr);
  });
});
