/**
 * examples/browser, as a person would use it: serve.mjs starts the Node nodes and the page, two
 * tabs open it, and TCP nodes (what `p2p mesh --connect` and `p2p sync --connect` run) join the
 * same networks. Lines typed in one tab show in the other and in the TCP node, and back; a key
 * set in one tab is listed in the other and in the TCP sync node.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Protocol } from '@p2p/base';
import { MeshSocket } from '@p2p/mesh';
import { SyncSocket } from '@p2p/sync';
import { eventually } from '@p2p/testnet';
import type { Page } from 'playwright-core';
// @ts-expect-error: a plain .mjs example without types
import { startExample } from '../../../examples/browser/serve.mjs';
import { launchBrowser, processesOf, type Browser } from '../src/index';

interface Example {
  url: string;
  meshTcpPort: number;
  syncTcpPort: number;
  close(): Promise<void>;
}

let browser: Browser;
let example: Example;
const closers: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  example = (await startExample({ httpPort: 0, meshPort: 0, syncPort: 0 })) as Example;
  browser = await launchBrowser();
}, 30_000);

afterAll(async () => {
  for (const close of closers.reverse()) await close().catch(() => {});
  await browser?.close();
  await example?.close();
  if (browser) expect(processesOf(browser.profile)).toEqual([]);
});

async function tab(): Promise<Page> {
  const page = await browser.context.newPage();
  await page.goto(example.url);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 10_000 });
  return page;
}

const lines = (page: Page, list: string) => page.locator(`#${list} li`).allTextContents();

describe('examples/browser', () => {
  it('two tabs and terminal nodes share the chat and the key-value list', async () => {
    const terminal = await MeshSocket.listen({ protocol: new Protocol('mesh', 'Plaintext') });
    closers.push(() => terminal.close());
    await terminal.connect('127.0.0.1', example.meshTcpPort);
    const heard: string[] = [];
    terminal.on('message', (m) => heard.push(String(m.packets[1])));
    const kvTerminal = await SyncSocket.listen({ protocol: new Protocol('sync', 'Plaintext') });
    closers.push(() => kvTerminal.close());
    await kvTerminal.connect('127.0.0.1', example.syncTcpPort);

    const [a, b] = [await tab(), await tab()];
    const nameA = await a.locator('#me').textContent();
    await a.fill('#line', 'hello from a tab');
    await a.click('#say button');
    await eventually(async () => expect(await lines(b, 'messages')).toContain(`${nameA}: hello from a tab`), { timeout: 5_000 });
    await eventually(() => expect(heard).toContain(`${nameA}: hello from a tab`), { timeout: 5_000 });

    // A line typed in the terminal reaches both tabs.
    terminal.send(['typed in the terminal']);
    for (const page of [a, b]) await eventually(async () => expect(await lines(page, 'messages')).toContain('typed in the terminal'), { timeout: 5_000 });

    await b.fill('#key', 'colour');
    await b.fill('#value', 'green');
    await b.click('#put button');
    await eventually(async () => expect(await lines(a, 'entries')).toContain('colour = "green"'), { timeout: 5_000 });
    await eventually(() => expect(kvTerminal.get('colour')).toBe('green'), { timeout: 5_000 });
    kvTerminal.set('from-terminal', 'yes');
    for (const page of [a, b]) await eventually(async () => expect(await lines(page, 'entries')).toContain('from-terminal = "yes"'), { timeout: 5_000 });
  });
});
