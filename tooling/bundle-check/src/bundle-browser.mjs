// Bundles an entry for the browser with esbuild, as a web app's bundler would, and reports every
// Node built-in it reaches (with the file that imports it) instead of stopping at the first.
import { builtinModules } from 'node:module';
import { relative } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const BUILTINS = new Set(builtinModules.filter((m) => !m.startsWith('_')));

/** @param {string} path */
function isBuiltin(path) {
  if (path.startsWith('node:')) return true;
  return BUILTINS.has(path) || BUILTINS.has(path.split('/')[0]);
}

/** @type {import('./bundle-browser.d.mts').bundleBrowser} */
export async function bundleBrowser({ contents, resolveDir, conditions = ['@p2p/source'], root = resolveDir }) {
  /** @type {{ module: string, importer: string }[]} */
  const builtins = [];
  const result = await build({
    stdin: { contents, resolveDir, sourcefile: 'entry.js', loader: 'js' },
    bundle: true,
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    minify: true,
    write: false,
    metafile: true,
    logLevel: 'silent',
    conditions,
    plugins: [
      {
        name: 'no-node-builtins',
        setup(b) {
          b.onResolve({ filter: /^[^./]/ }, (args) => {
            if (!isBuiltin(args.path)) return undefined;
            builtins.push({ module: args.path, importer: relative(root, args.importer) || args.importer });
            // Keep going so one run lists every offender.
            return { path: args.path, external: true };
          });
        },
      },
    ],
  });
  const code = result.outputFiles[0]?.contents ?? new Uint8Array(0);
  return {
    code,
    builtins,
    warnings: result.warnings.map((w) => `${w.location?.file ?? ''}:${w.location?.line ?? ''} ${w.text}`),
    inputs: Object.keys(result.metafile?.inputs ?? {}).map((p) => relative(root, p) || p),
    bytes: code.length,
    gzipBytes: gzipSync(code, { level: 9 }).length,
  };
}
