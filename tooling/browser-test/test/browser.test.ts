/**
 * @p2p in a real browser: headless Chromium pages run MeshSocket, SyncSocket and ChordSocket
 * over @p2p/ws (the native WebSocket) against Node nodes listening on WebSocket and TCP.
 * Page code is given as JavaScript text (it runs in the page, not here).
 */
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import '@p2p/ws';
import { Protocol, SubFlags, type Message } from '@p2p/base';
import { ChordSocket } from '@p2p/chord';
import { MeshSocket } from '@p2p/mesh';
import { SyncSocket } from '@p2p/sync';
import { closeAfterEach, eventually, expectReleased, openHandles } from '@p2p/testnet';
import type { Page } from 'playwright-core';
import { launchBrowser, processesOf, servePage, type Browser, type PageServer } from '../src/index';

const track = closeAfterEach(afterEach);

let browser: Browser;
let server: PageServer;
const pages: Page[] = [];

beforeAll(async () => {
  server = await servePage({ entry: fileURLToPath(new URL('../src/page-entry.ts', import.meta.url)) });
  browser = await launchBrowser();
}, 30_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  // Nothing of this browser is left running.
  if (browser) expect(processesOf(browser.profile)).toEqual([]);
});

afterEach(async () => {
  for (const p of pages.splice(0)) await p.close().catch(() => {});
});

async function openPage(): Promise<{ page: Page; errors: string[] }> {
  const opened = await browser.open(server.url);
  pages.push(opened.page);
  return opened;
}

/** Runs `body` (JavaScript text of an async function body; `p2p` and `arg` in scope) in the page. */
function inPage<T = unknown>(page: Page, body: string, arg: unknown = null): Promise<T> {
  return page.evaluate(`(async (arg) => { const p2p = globalThis.p2p; ${body} })(${JSON.stringify(arg)})`) as Promise<T>;
}

const wsPort = (n: MeshSocket): number => n.addresses.find((a) => a.encryption === 'ws')!.port;
const tcpPort = (n: MeshSocket): number => n.addresses.find((a) => a.encryption === 'Plaintext')!.port;

/** A Node node on WebSocket (its own encryption) and TCP. */
async function hub(protocol: Protocol, open = MeshSocket.listen.bind(MeshSocket)): Promise<MeshSocket> {
  return track(await open({ protocol, listen: [{}, { encryption: 'Plaintext' }] }));
}

// In the page: a dial-only mesh node (`listen: []`) that connects to the hub and collects messages.
const PAGE_MESH = `
  const node = await p2p.MeshSocket.listen({ protocol: new p2p.Protocol('mesh', 'ws'), listen: [] });
  p2p.nodes.mesh = node;
  node.got = [];
  node.on('message', (m) => { node.got.push({ from: m.sender, packets: m.packets.map(String) }); });
  // Every node answers a broadcast that asks for it.
  node.on('message', (m) => { if (m.packets[1] === 'ping') m.reply('pong from ' + node.id.slice(0, 6)).catch(() => {}); });
  await node.connect('127.0.0.1', arg.port, { timeout: 5000 });
  return node.id;
`;

describe('browser nodes over WebSocket', () => {
  it('two pages and two Node nodes form one mesh: each broadcast reaches every node, replies come back', async () => {
    const meshWs = new Protocol('mesh', 'ws');
    const n1 = await hub(meshWs);
    const n2 = await hub(meshWs);
    await n2.connect('127.0.0.1', wsPort(n1));
    // A TCP-only node (as py2p would be) on n1's TCP listener, in the same network.
    const tcp = track(await MeshSocket.listen({ protocol: new Protocol('mesh', 'Plaintext') }));
    await tcp.connect('127.0.0.1', tcpPort(n1));
    for (const n of [n1, n2]) n.on('message', (m: Message) => void (m.packets[1] === 'ping' && m.reply(`pong from ${n.id.slice(0, 6)}`).catch(() => {})));
    const tcpGot: string[] = [];
    tcp.on('message', (m: Message) => tcpGot.push(String(m.packets[1])));

    const [a, b] = [await openPage(), await openPage()];
    const ids = [await inPage<string>(a.page, PAGE_MESH, { port: wsPort(n1) }), await inPage<string>(b.page, PAGE_MESH, { port: wsPort(n1) })];
    // n1 offers n2's WebSocket address to the pages (never the TCP node's): they dial it themselves.
    for (const { page } of [a, b]) {
      await page.waitForFunction(() => (globalThis as any).p2p.nodes.mesh.peers.size === 2, null, { timeout: 10_000 });
    }
    expect(await inPage<string[]>(a.page, 'return [...p2p.nodes.mesh.peers.keys()].sort();')).toEqual([n1.id, n2.id].sort());

    for (const [i, { page }] of [a, b].entries()) {
      await inPage(page, `p2p.nodes.mesh.send(['ping', 'from page ' + arg]);`, i);
      const other = [a, b][1 - i]!.page;
      // The other page hears it through a Node relay; the Node nodes and the TCP node too.
      await other.waitForFunction((from) => (globalThis as any).p2p.nodes.mesh.got.some((m: any) => m.from === from && m.packets[1] === 'ping'), ids[i], { timeout: 5_000 });
      await eventually(() => expect(tcpGot.filter((t) => t === 'ping').length).toBe(i + 1));
      // Both Node nodes (neighbours of the page) reply; the replies reach the page.
      await page.waitForFunction(
        (n) => (globalThis as any).p2p.nodes.mesh.got.filter((m: any) => String(m.packets[1]).startsWith('pong from')).length >= n,
        2,
        { timeout: 5_000 },
      );
    }
    // A whisper from a page reaches its neighbours only (n1, n2), not the TCP node behind n1.
    const whispered = new Promise<Message>((resolve) => n2.on('message', (m: Message) => void (m.packets[1] === 'just neighbours' && resolve(m))));
    await inPage(a.page, `p2p.nodes.mesh.send(['just neighbours'], { flag: p2p.MainFlags.whisper, type: p2p.SubFlags.whisper });`);
    expect((await whispered).packets).toEqual([SubFlags.whisper, 'just neighbours']);
    await new Promise((r) => setTimeout(r, 100));
    expect(tcpGot).not.toContain('just neighbours');
    expect(a.errors).toEqual([]);
    expect(b.errors).toEqual([]);
    expect([n1.status, n2.status, tcp.status]).toEqual(['Nominal', 'Nominal', 'Nominal']);
  });

  it('sync: a key set in a page is read in Node, and the lease holds both ways', async () => {
    const node = await hub(new Protocol('sync', 'ws'), SyncSocket.listen.bind(SyncSocket) as never);
    const sync = node as unknown as SyncSocket;
    const { page, errors } = await openPage();
    await inPage(page, `
      const s = await p2p.SyncSocket.listen({ protocol: new p2p.Protocol('sync', 'ws'), listen: [] });
      p2p.nodes.sync = s;
      await s.connect('127.0.0.1', arg.port, { timeout: 5000 });
      s.set('from-page', { text: 'hi' });
    `, { port: wsPort(node) });
    await eventually(() => expect(sync.get('from-page')).toEqual({ text: 'hi' }));
    sync.set('from-node', 7);
    await page.waitForFunction(() => (globalThis as any).p2p.nodes.sync.get('from-node') === 7, null, { timeout: 5_000 });
    // Past the second of both writes (within it the smaller node id would win the tie).
    await new Promise((r) => setTimeout(r, 1_050 - (Date.now() % 1_000)));
    expect(() => sync.set('from-page', 'taken')).toThrow(expect.objectContaining({ code: 'LEASE_HELD' }));
    const inBrowser = await inPage<string>(page, `try { p2p.nodes.sync.set('from-node', 8); return 'set'; } catch (e) { return e.code; }`);
    expect(inBrowser).toBe('LEASE_HELD');
    expect(sync.get('from-node')).toBe(7);
    expect(errors).toEqual([]);
  });

  it('chord: a key set in Node is read from a non-storing page, and one set in the page is read in Node', async () => {
    const chordWs = new Protocol('chord', 'ws');
    const open = ChordSocket.listen.bind(ChordSocket) as never;
    const c1 = (await hub(chordWs, open)) as unknown as ChordSocket;
    const c2 = (await hub(chordWs, open)) as unknown as ChordSocket;
    await c2.connect('127.0.0.1', wsPort(c1));
    c1.join();
    c2.join();
    await eventually(() => expect([c1, c2].map((c) => c.storingPeers().length)).toEqual([1, 1]));
    c1.set('from-node', { n: 42 });
    await c1.get('from-node');
    const { page, errors } = await openPage();
    const value = await inPage(page, `
      const c = await p2p.ChordSocket.listen({ protocol: new p2p.Protocol('chord', 'ws'), listen: [] });
      p2p.nodes.chord = c;
      await c.connect('127.0.0.1', arg.port, { timeout: 5000 });
      while (c.storingPeers().length < 1) await new Promise((r) => setTimeout(r, 10));
      const value = await c.get('from-node', null, { timeout: 5000 });
      c.set('from-page', { tab: 1 });
      return { value, storing: c.isStoring };
    `, { port: wsPort(c1) });
    expect(value).toEqual({ value: { n: 42 }, storing: false });
    await eventually(async () => expect(await c2.get('from-page', null, { timeout: 1_000 })).toEqual({ tab: 1 }), { timeout: 8_000 });
    expect(errors).toEqual([]);
  });

  it('a page closed abruptly leaves no connection or timer on the Node side', async () => {
    const node = await hub(new Protocol('mesh', 'ws'));
    const { page } = await openPage();
    const before = openHandles();
    const gone = new Promise<unknown>((resolve) => node.once('peer:disconnect', (_peer, reason) => resolve(reason)));
    await inPage(page, PAGE_MESH, { port: wsPort(node) });
    expect(node.peers.size).toBe(1);
    await page.close({ runBeforeUnload: false });
    await gone;
    expect(node.peers.size + node.pendingConnections.length).toBe(0);
    await expectReleased(before);
    expect(node.status).toBe('Nominal');
  });
});
