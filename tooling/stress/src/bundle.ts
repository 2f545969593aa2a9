/**
 * Child processes run plain Node, which cannot load the packages' TypeScript sources: each child
 * entry is bundled once per run with esbuild (the packages' `@p2p/source` condition), so the
 * suite needs no build and always tests the working tree.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const built = new Map<string, Promise<string>>();

/** Bundles `src/<name>.ts` to a temporary ESM file; returns its path. */
export function bundleEntry(name: string): Promise<string> {
  let out = built.get(name);
  if (out === undefined) {
    // Run from a bundle (`run.mjs`), this file is no longer beside the sources: it says where they are.
    const src = process.env.P2P_STRESS_SRC ?? fileURLToPath(new URL('.', import.meta.url));
    const entry = join(src, `${name}.ts`);
    const dir = join(tmpdir(), `p2p-stress-${process.pid}`);
    if (built.size === 0) process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    mkdirSync(dir, { recursive: true });
    const outfile = join(dir, `${basename(name)}.mjs`);
    out = build({
      entryPoints: [entry],
      outfile,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      conditions: ['@p2p/source'],
      logLevel: 'error',
      // Bundled CommonJS dependencies may call require() for Node built-ins.
      banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
    }).then(() => outfile);
    built.set(name, out);
  }
  return out;
}
