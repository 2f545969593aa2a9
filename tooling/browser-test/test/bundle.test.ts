// What a web app pays: the browser builds of a mesh node with @p2p/ws and of the full stack,
// bundled from source like an app's bundler would. Neither may reach the `ws` package or a
// Node built-in. Prints the sizes.
import { builtinModules } from 'node:module';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

const here = fileURLToPath(new URL('..', import.meta.url));
const BUILTINS = new Set(builtinModules);

async function bundle(contents: string) {
  const nodeImports: string[] = [];
  const result = await build({
    stdin: { contents, resolveDir: here, sourcefile: 'entry.js', loader: 'js' },
    bundle: true,
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    minify: true,
    write: false,
    metafile: true,
    logLevel: 'silent',
    conditions: ['@p2p/source'],
    plugins: [
      {
        name: 'record-node-imports',
        setup(b) {
          b.onResolve({ filter: /^[^./]/ }, (args) => {
            if (!args.path.startsWith('node:') && !BUILTINS.has(args.path.split('/')[0]!)) return undefined;
            nodeImports.push(`${args.importer} -> ${args.path}`);
            return { path: args.path, external: true };
          });
        },
      },
    ],
  });
  const code = result.outputFiles[0]!.contents;
  return { bytes: code.length, gzip: gzipSync(code, { level: 9 }).length, inputs: Object.keys(result.metafile.inputs), nodeImports };
}

const ENTRIES: Record<string, string> = {
  'mesh node + ws': "import '@p2p/ws'; export { MeshSocket } from '@p2p/mesh'; export { Protocol } from '@p2p/base';",
  'full stack + ws': [
    "import * as base from '@p2p/base';",
    "import * as mesh from '@p2p/mesh';",
    "import * as sync from '@p2p/sync';",
    "import * as chord from '@p2p/chord';",
    "import * as ws from '@p2p/ws';",
    'export { base, mesh, sync, chord, ws };',
  ].join('\n'),
};

describe('browser bundles with @p2p/ws', () => {
  for (const [name, contents] of Object.entries(ENTRIES)) {
    it(`${name}: native WebSocket only, nothing of the ws package, no Node built-in`, async () => {
      const b = await bundle(contents);
      console.log(`browser bundle: ${name.padEnd(16)} ${(b.bytes / 1024).toFixed(1).padStart(7)} KiB minified, ${(b.gzip / 1024).toFixed(1).padStart(6)} KiB gzipped`);
      expect(b.nodeImports).toEqual([]);
      expect(b.inputs.filter((p) => /node_modules\/(\.pnpm\/)?ws[@/]/.test(p))).toEqual([]);
      expect(b.inputs.some((p) => p.endsWith('packages/ws/src/browser/ws-transport.ts'))).toBe(true);
      expect(b.inputs.some((p) => p.includes('packages/ws/src/node/'))).toBe(false);
    });
  }
});
