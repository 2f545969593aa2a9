// The fault suite's command (`pnpm stress` at the root): bundles src/cli.ts from the working
// tree's sources with esbuild, then runs it with --expose-gc. Arguments pass through
// (`pnpm stress fuzz --frames 200000`, `--short`).
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

// Inside this package's node_modules, so the bundle resolves esbuild (kept external) from here.
const dir = fileURLToPath(new URL(`./node_modules/.cache/p2p-stress-${process.pid}/`, import.meta.url));
mkdirSync(dir, { recursive: true });
const outfile = join(dir, 'cli.mjs');
await build({
  entryPoints: [fileURLToPath(new URL('./src/cli.ts', import.meta.url))],
  outfile,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  conditions: ['@p2p/source'],
  // esbuild stays external: the bundle finds it from this package's node_modules.
  external: ['esbuild'],
  logLevel: 'error',
  banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
});
const { status } = spawnSync(process.execPath, ['--expose-gc', outfile, ...process.argv.slice(2)], {
  stdio: 'inherit',
  env: { ...process.env, P2P_STRESS_SRC: fileURLToPath(new URL('./src/', import.meta.url)) },
});
rmSync(dir, { recursive: true, force: true });
process.exit(status ?? 1);
