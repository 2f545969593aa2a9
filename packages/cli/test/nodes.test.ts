import { describe, expect, it } from 'vitest';
import { p2p } from './helpers';

const nextSecond = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 1050 - (Date.now() % 1000)));

describe('p2p mesh', () => {
  it('two processes on loopback exchange lines, each printed with its sender', async () => {
    const a = p2p('mesh');
    const addr = await a.address();
    const b = p2p('mesh', '--connect', addr);
    await b.waitForLine(/^connected to \w+ at /);
    await a.waitForLine(/^\* peer \w+ connected \(.*incoming\)$/);
    const [, bId] = await b.waitForLine(/^listening on \S+ as (\w+) /);

    b.send('hello from b');
    const [, sender] = await a.waitForLine(/^\[(\w+)\] hello from b$/);
    expect(bId!.startsWith(sender!)).toBe(true);
    a.send('hi b, this is a');
    await b.waitForLine(/^\[\w+\] hi b, this is a$/);

    // Command words are commands; `send` broadcasts them anyway.
    a.send('send peers');
    await b.waitForLine(/^\[\w+\] peers$/);
    b.send('peers');
    await b.waitForLine(new RegExp(`^\\w+  ${addr.replace(/[.]/g, '\\.')}  outgoing$`));

    const [exitA, exitB] = await Promise.all([a.end(), b.end()]);
    expect(exitA.code).toBe(0);
    expect(exitB.code).toBe(0);
    expect(exitA.stderr).toBe('');
  });

  it('--ssl: the pair talks over TLS', async () => {
    const a = p2p('mesh', '--ssl');
    const addr = await a.address();
    await a.waitForLine(/\(mesh, subnet "mesh", SSL\)$/);
    const b = p2p('mesh', '--ssl', '--connect', addr);
    await b.waitForLine(/^connected to /);
    b.send('secret');
    await a.waitForLine(/^\[\w+\] secret$/);
    const [exitA, exitB] = await Promise.all([a.end(), b.end()]);
    expect([exitA.code, exitB.code]).toEqual([0, 0]);
  });

  it('status, help and quit work at the prompt; lines after quit are not run', async () => {
    const a = p2p('mesh', '--subnet', 'testing');
    await a.address();
    a.send('status');
    a.send('help');
    a.send('connect nonsense');
    a.send('quit');
    a.send('status');
    const exit = await a.exitWithin(10_000);
    expect(exit.code).toBe(0);
    expect(exit.stdout).toMatch(/^network   mesh, subnet "testing", Plaintext \(protocol id \w+\)$/m);
    expect(exit.stdout).toMatch(/^peers     0 \(0 incoming, 0 outgoing\)$/m);
    expect(exit.stdout).toMatch(/^status    Nominal$/m);
    expect(exit.stdout).toMatch(/^ {2}connect <host:port> +connect to another node$/m);
    expect(exit.stdout).toMatch(/^usage: connect <host:port>$/m);
    expect(exit.stdout.match(/^status {4}/gm)).toHaveLength(1);
  });

  it('closes cleanly on SIGTERM and SIGINT', async () => {
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      const a = p2p('mesh');
      await a.address();
      a.child.kill(signal);
      const exit = await a.exitWithin(10_000);
      expect(exit.code).toBe(0);
      expect(exit.stderr).toBe('');
    }
  });

  it('a connect failure at the prompt is one line and the node keeps running', async () => {
    const a = p2p('mesh');
    await a.address();
    a.send('connect 127.0.0.1:1');
    await a.waitForLine(/^error: cannot connect to 127\.0\.0\.1:1: .*\(CONNECT_FAILED\)$/);
    a.send('status');
    await a.waitForLine(/^status {4}Nominal$/);
    expect((await a.end()).code).toBe(0);
  });
});

describe('p2p sync', () => {
  it("a pair sees each other's set, and deletes", async () => {
    const a = p2p('sync');
    const addr = await a.address();
    const b = p2p('sync', '--connect', addr);
    await b.waitForLine(/^connected to /);

    a.send('set colour deep blue');
    await a.waitForLine(/^ok$/);
    await b.waitForLine(/^\* colour = deep blue \(set by \w+\)$/);
    b.send('get colour');
    await b.waitForLine(/^deep blue$/);

    b.send('set shape round');
    await a.waitForLine(/^\* shape = round \(set by \w+\)$/);
    a.send('keys');
    await a.waitForLine(/^shape$/);
    a.send('get shape');
    await a.waitForLine(/^round$/);

    // a holds the lease on colour. (Within the second of a's write the smaller node id would win
    // the tie, PROTOCOL.md 5.2 rule 5, so try in the next second.)
    await nextSecond();
    b.send('set colour red');
    await b.waitForLine(/^error: .*\(LEASE_HELD\)$/);

    a.send('del colour');
    await b.waitForLine(/^\* colour deleted$/);
    b.send('get colour');
    await b.waitForLine(/^\(not found\)$/);

    const [exitA, exitB] = await Promise.all([a.end(), b.end()]);
    expect([exitA.code, exitB.code]).toEqual([0, 0]);
  });

  it('--no-leasing lets another node overwrite; it cannot join a leasing network', async () => {
    const a = p2p('sync', '--no-leasing');
    const addr = await a.address();
    const b = p2p('sync', '--no-leasing', '--connect', addr);
    await b.waitForLine(/^connected to /);
    a.send('set k 1');
    await b.waitForLine(/^\* k = 1 /);
    await nextSecond(); // the newer write wins; within one second the smaller id would
    b.send('set k 2');
    await a.waitForLine(/^\* k = 2 /);

    const leasing = p2p('sync', '--connect', addr);
    const exit = await leasing.exitWithin(10_000);
    expect(exit.code).toBe(1);
    expect(exit.stderr).toMatch(/^p2p: cannot connect to 127\.0\.0\.1:\d+: .*$/m);
    expect(exit.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('p2p chord', () => {
  it('a value set on one node is read from the other', async () => {
    const a = p2p('chord');
    const addr = await a.address();
    const b = p2p('chord', '--connect', addr);
    await b.waitForLine(/^connected to /);
    a.send('set city Lisbon');
    await a.waitForLine(/^ok$/);
    await b.waitForLine(/^\* key city added$/);
    b.send('get city');
    await b.waitForLine(/^Lisbon$/, { timeout: 15_000 });
    b.send('keys');
    await b.waitForLine(/^city$/);
    b.send('status');
    await b.waitForLine(/^storing {3}yes \(1 storing peer\)$/);
    const [exitA, exitB] = await Promise.all([a.end(), b.end()]);
    expect([exitA.code, exitB.code]).toEqual([0, 0]);
  });
});

describe('p2p seed', () => {
  it('runs until signalled, prints its address, and other nodes can register with it', async () => {
    const seed = p2p('seed', '--port', '0');
    const addr = await seed.address();
    await seed.waitForLine(/^seeding protocol id \w+/);
    // A bootstrap client is a chord node on the bootstrap subnet that registers itself.
    const client = p2p('chord', '--subnet', 'bootstrap', '--connect', addr);
    await client.waitForLine(/^connected to /);
    client.send('set someprotocol hello');
    await seed.waitForLine(/^\* registered someprotocol$/);
    expect((await client.end()).code).toBe(0);

    seed.child.kill('SIGTERM');
    const exit = await seed.exitWithin(10_000);
    expect(exit.code).toBe(0);
    expect(exit.stdout).toMatch(/^shutting down/m);
  });
});
