import { chmodSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { p2p, run } from './helpers';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
function tempFile(name: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'p2p-cli-identity-'));
  dirs.push(dir);
  return join(dir, name);
}
const mode = (path: string): number => statSync(path).mode & 0o777;
const LISTENING = /^listening on (\S+:\d+) as (\w+) \((\w+), subnet "(\w+)", (\w+)(, authenticated)?\)$/;

describe('p2p identity', () => {
  it('creates the file (mode 0600) the first time and prints the same id every time', async () => {
    const file = tempFile('node.identity');
    const first = await run(['identity', file]);
    expect(first.code).toBe(0);
    const id = first.stdout.trim();
    expect(id).toMatch(/^[1-9A-HJ-NP-Za-km-z]{60,70}$/);
    expect(first.stderr).toMatch(/created identity file .*node\.identity \(mode 0600\)/);
    expect(mode(file)).toBe(0o600);

    const second = await run(['identity', file]);
    expect(second).toMatchObject({ code: 0, stdout: `${id}\n`, stderr: '' });
  });

  it('refuses a file others can read, and one that is not an identity, with exit code 1', async () => {
    const file = tempFile('shared.identity');
    expect((await run(['identity', file])).code).toBe(0);
    chmodSync(file, 0o644);
    const exposed = await run(['mesh', '--identity', file]);
    expect(exposed.code).toBe(1);
    expect(exposed.stderr).toMatch(/^p2p: cannot use identity file .*: .*readable by others.*\(IDENTITY_INVALID\)$/m);
    const garbage = await run(['identity', join(import.meta.dirname, 'helpers.ts')]);
    expect(garbage.code).toBe(1);
    expect(garbage.stderr).toMatch(/IDENTITY_INVALID/);
  });
});

describe('--identity and --auth', () => {
  it('a node started twice with --identity FILE has the same id, that of p2p identity FILE', async () => {
    const file = tempFile('mesh.identity');
    const ids: string[] = [];
    for (const round of [1, 2]) {
      const node = p2p('mesh', '--identity', file);
      const [, , id, kind, subnet, encryption, auth] = await node.waitForLine(LISTENING);
      expect([kind, subnet, encryption, auth]).toEqual(['mesh', 'mesh', 'Plaintext', ', authenticated']);
      if (round === 1) await node.waitForLine(/^created identity file .* \(mode 0600\)/);
      ids.push(id!);
      const exit = await node.end();
      expect(exit.code).toBe(0);
      if (round === 2) expect(exit.stdout).not.toMatch(/created identity file/);
    }
    expect(ids[1]).toBe(ids[0]);
    expect(mode(file)).toBe(0o600);
    expect((await run(['identity', file])).stdout.trim()).toBe(ids[0]);
  });

  it('two --auth nodes reach each other; a plain node gets the mismatch, in both directions', async () => {
    const a = p2p('mesh', '--auth');
    const [, addr] = await a.waitForLine(LISTENING);
    const b = p2p('mesh', '--auth', '--connect', addr!);
    await b.waitForLine(/^connected to \w+ at /);
    b.send('signed hello');
    await a.waitForLine(/^\[\w+\] signed hello$/);

    const plain = p2p('mesh', '--connect', addr!);
    const refused = await plain.exitWithin(15_000);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^p2p: cannot connect to 127\.0\.0\.1:\d+: .*another network.*the peer runs --auth \(or --identity\): this node needs it too$/m);
    expect(refused.stderr).not.toMatch(/\n\s+at /);

    const plainServer = p2p('mesh');
    const [, plainAddr] = await plainServer.waitForLine(LISTENING);
    const authDialer = p2p('mesh', '--auth', '--connect', plainAddr!);
    const refusedAuth = await authDialer.exitWithin(15_000);
    expect(refusedAuth.code).toBe(1);
    expect(refusedAuth.stderr).toMatch(/another network.*this node runs --auth, so only nodes started with --auth \(or --identity\) connect to it$/m);
    // Another subnet is another difference: no word about --auth.
    const otherSubnet = await p2p('mesh', '--subnet', 'elsewhere', '--connect', plainAddr!).exitWithin(15_000);
    expect(otherSubnet.code).toBe(1);
    expect(otherSubnet.stderr).toMatch(/another network/);
    expect(otherSubnet.stderr).not.toMatch(/--auth/);

    a.send('still here');
    await b.waitForLine(/^\[\w+\] still here$/);
    const exits = await Promise.all([a.end(), b.end(), plainServer.end()]);
    expect(exits.map((e) => e.code)).toEqual([0, 0, 0]);
  });

  it('--ssl --auth: two sync nodes replicate a signed write over TLS with identity certificates', async () => {
    const a = p2p('sync', '--ssl', '--identity', tempFile('a.identity'));
    const [, addr, , , , encryption, auth] = await a.waitForLine(LISTENING);
    expect([encryption, auth]).toEqual(['SSL', ', authenticated']);
    const b = p2p('sync', '--ssl', '--auth', '--connect', addr!);
    await b.waitForLine(/^connected to \w+ at /);
    b.send('set colour blue');
    await a.waitForLine(/^\* colour = blue /);
    const exits = await Promise.all([a.end(), b.end()]);
    expect(exits.map((e) => e.code)).toEqual([0, 0]);
  });
});
