// The browser bundle check (run by `pnpm test`): each package, bundled from source the way a
// web app's bundler would (platform browser, the `browser` condition), must reach no Node
// built-in and need no polyfill. Prints the bundle sizes.
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { bundleBrowser, type BrowserBundle } from '../src/bundle-browser.mjs';

const here = fileURLToPath(new URL('..', import.meta.url));
const root = fileURLToPath(new URL('../../..', import.meta.url));

const ENTRIES: Record<string, string> = {
  '@p2p/base': "export * from '@p2p/base';",
  '@p2p/mesh': "export * from '@p2p/mesh';",
  '@p2p/sync': "export * from '@p2p/sync';",
  '@p2p/chord': "export * from '@p2p/chord';",
  // A browser mesh node: mesh over the WebSocket transport (the browser build, native WebSocket).
  'mesh + ws': "export * from '@p2p/mesh'; export * from '@p2p/ws';",
  // Everything, kept whole (namespaces defeat tree shaking): the worst case an app pays.
  'full stack': [
    "import * as base from '@p2p/base';",
    "import * as mesh from '@p2p/mesh';",
    "import * as sync from '@p2p/sync';",
    "import * as chord from '@p2p/chord';",
    "import * as ws from '@p2p/ws';",
    'export { base, mesh, sync, chord, ws };',
  ].join('\n'),
};

const kib = (n: number): string => `${(n / 1024).toFixed(1)} KiB`;

function describeFailure(name: string, b: BrowserBundle): string {
  return `${name} imports Node built-ins:\n${b.builtins.map((x) => `  ${x.importer} -> '${x.module}'`).join('\n')}`;
}

describe('browser bundles (esbuild, platform browser, from source)', () => {
  for (const [name, contents] of Object.entries(ENTRIES)) {
    it(`${name} bundles with no Node built-in`, async () => {
      const bundle = await bundleBrowser({ contents, resolveDir: here, root });
      console.log(`bundle-check: ${name.padEnd(10)} ${kib(bundle.bytes).padStart(10)} minified, ${kib(bundle.gzipBytes).padStart(9)} gzipped (${bundle.inputs.length} files)`);
      expect(bundle.builtins, describeFailure(name, bundle)).toEqual([]);
      // The browser entry of base, never its Node seam.
      expect(bundle.inputs).toContain('packages/base/src/platform/browser.ts');
      expect(bundle.inputs).not.toContain('packages/base/src/platform/node.ts');
      expect(bundle.inputs).not.toContain('packages/base/src/tcp-transport.ts');
      if (contents.includes('@p2p/ws')) {
        // The native WebSocket transport, and nothing of the `ws` package or ws's Node transport.
        expect(bundle.inputs.filter((p) => /node_modules\/(\.pnpm\/)?ws[@/]/.test(p))).toEqual([]);
        expect(bundle.inputs).toContain('packages/ws/src/browser/ws-transport.ts');
        expect(bundle.inputs.filter((p) => p.includes('packages/ws/src/node/'))).toEqual([]);
      }
    });
  }

  it('catches a Node built-in (the check itself works)', async () => {
    const bundle = await bundleBrowser({ contents: "import { createHash } from 'node:crypto'; import 'os'; export { createHash };", resolveDir: here, root });
    expect(bundle.builtins.map((b) => b.module)).toEqual(['node:crypto', 'os']);
  });

  it("rejects when esbuild cannot bundle", async () => {
    await expect(bundleBrowser({ contents: "export * from '@p2p/no-such-package';", resolveDir: here, root })).rejects.toThrow();
  });
});
