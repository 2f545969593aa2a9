/**
 * Bootstrapping through a seed (PROTOCOL.md 8): a `p2p seed`-style ChordSocket on
 * `Protocol('bootstrap', encryption)` plus five nodes that know only the seed form one network.
 * Run once per transport (Plaintext TCP, SSL).
 */
import { describe, expect, it } from 'vitest';
import { Protocol, type Message } from '@p2p/base';
import { ChordSocket } from '@p2p/chord';
import { MeshSocket } from '@p2p/mesh';
import { SyncSocket } from '@p2p/sync';
import { eventually, waitFor } from '@p2p/testnet';
import { TRANSPORTS, protocol, track, type Encryption } from './transports';

async function seed(encryption: Encryption): Promise<ChordSocket> {
  const s = track(await ChordSocket.listen({ protocol: new Protocol('bootstrap', encryption) }));
  s.join();
  return s;
}

/** True when every node reaches every other through the links (one connected network). */
function connected(nodes: MeshSocket[]): boolean {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const seen = new Set([nodes[0]!.id]);
  const todo = [nodes[0]!];
  while (todo.length) {
    for (const id of todo.pop()!.peers.keys()) {
      if (!seen.has(id) && byId.has(id)) {
        seen.add(id);
        todo.push(byId.get(id)!);
      }
    }
  }
  return seen.size === nodes.length;
}

describe.each(TRANSPORTS)('bootstrap over %s', (encryption) => {
  it('a seed plus five nodes that know only the seed form one network; a broadcast reaches all', async () => {
    const s = await seed(encryption);
    const nodes: MeshSocket[] = [];
    for (let i = 0; i < 5; i++) {
      nodes.push(track(await MeshSocket.listen({ protocol: protocol('mesh', encryption), bootstrap: [s.outAddr] })));
    }
    for (const n of nodes) expect(n.status).toBe('Nominal');
    // The first node found nobody; every later one dialed every earlier one it was told about.
    expect(nodes[4]!.peers.size).toBeGreaterThanOrEqual(4);
    await eventually(() => expect(connected(nodes)).toBe(true));
    const got = nodes.map(() => [] as Message[]);
    nodes.forEach((n, i) => n.on('message', (m) => got[i]!.push(m)));
    expect(nodes[0]!.send(['hello all']).written).toBeGreaterThan(0);
    await waitFor(() => got.slice(1).every((g) => g.some((m) => m.packets[1] === 'hello all')));
    // The temporary bootstrap sockets are gone: the seed keeps no link to them.
    await eventually(() => expect(s.peers.size).toBe(0));
    expect([...s.keys()].length).toBe(1);
  });

  it('bootstrap() reports what it did, and BOOTSTRAP_FAILED when no seed answers', async () => {
    const s = await seed(encryption);
    const a = track(await MeshSocket.listen({ protocol: protocol('mesh', encryption) }));
    const first = await a.bootstrap([s.outAddr]);
    expect(first).toMatchObject({ seeds: 1, registered: 0, connected: [] });
    const b = track(await SyncSocket.listen({ protocol: protocol('sync', encryption) }));
    const viaSync = await b.bootstrap([s.outAddr]);
    // Another protocol id: another registry entry, so the mesh node is not listed for sync.
    expect(viaSync.registered).toBe(0);
    const c = track(await MeshSocket.listen({ protocol: protocol('mesh', encryption) }));
    const second = await c.bootstrap([s.outAddr]);
    expect(second.registered).toBe(1);
    expect(second.connected.map((p) => p.id)).toEqual([a.id]);
    const dead = track(await MeshSocket.listen({ protocol: protocol('mesh', encryption) }));
    const port = dead.outAddr[1];
    await dead.close();
    await expect(c.bootstrap([['127.0.0.1', port]], { timeout: 1_000 })).rejects.toMatchObject({ code: 'BOOTSTRAP_FAILED' });
  });

  it('listen({ bootstrap }) with an unreachable seed still listens and records BOOTSTRAP_FAILED in status', async () => {
    const dead = track(await MeshSocket.listen({ protocol: protocol('mesh', encryption) }));
    const port = dead.outAddr[1];
    await dead.close();
    const n = track(await MeshSocket.listen({ protocol: protocol('mesh', encryption), bootstrap: [['127.0.0.1', port]] }));
    expect(n.status).not.toBe('Nominal');
    expect((n.status as readonly { code: string }[]).map((e) => e.code)).toContain('BOOTSTRAP_FAILED');
  });
});
