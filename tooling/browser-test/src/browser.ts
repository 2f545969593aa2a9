/**
 * Headless Chromium from Debian (`/usr/bin/chromium`, installed by `.ci/run` when missing),
 * driven by playwright-core, with a fresh profile that is deleted on close. `close()` waits
 * until no process of this profile is left.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM = process.env.P2P_CHROMIUM ?? '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

export interface Browser {
  readonly context: BrowserContext;
  /** The profile directory, which names every process of this browser. */
  readonly profile: string;
  /** A new tab at `url`, its console errors collected in `errors`. */
  open(url: string): Promise<{ page: Page; errors: string[] }>;
  close(): Promise<void>;
}

/** Processes whose command line names `profile` (none once the browser is closed). */
export function processesOf(profile: string): number[] {
  try {
    return execFileSync('pgrep', ['-f', profile], { encoding: 'utf8' })
      .split('\n')
      .filter(Boolean)
      .map(Number);
  } catch {
    return []; // pgrep exits 1 when nothing matches
  }
}

export async function launchBrowser(options: { timeout?: number } = {}): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium (as .ci/run does)`);
  const profile = mkdtempSync(join(tmpdir(), 'p2p-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    timeout: options.timeout ?? 15_000,
  });
  context.setDefaultTimeout(10_000);
  let closing: Promise<void> | undefined;
  return {
    context,
    profile,
    async open(url) {
      const page = await context.newPage();
      const errors: string[] = [];
      page.on('pageerror', (err) => errors.push(String(err)));
      page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
      await page.goto(url);
      await page.waitForFunction(() => 'p2p' in globalThis);
      return { page, errors };
    },
    close() {
      closing ??= (async () => {
        await context.close().catch(() => {});
        const deadline = Date.now() + 5_000;
        while (processesOf(profile).length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
        rmSync(profile, { recursive: true, force: true });
      })();
      return closing;
    },
  };
}
