#!/usr/bin/env node
// Packs every public package with `pnpm pack` (as it would be published), installs the tarballs
// with npm into an empty temporary folder, and loads each package from both ESM and CJS.
// Catches what unit tests cannot: missing files, broken exports maps, CJS interop of bundled
// dependencies (base-x), workspace:^ ranges left unrewritten.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '../..');
const packagesDir = join(root, 'packages');
const work = mkdtempSync(join(tmpdir(), 'p2p-pack-'));
const run = (cmd, args, cwd) => execFileSync(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });

let failures = 0;
try {
  const pkgs = readdirSync(packagesDir)
    .map((d) => ({ dir: join(packagesDir, d), json: JSON.parse(readFileSync(join(packagesDir, d, 'package.json'), 'utf8')) }))
    .filter((p) => !p.json.private);
  const tarballs = [];
  for (const p of pkgs) {
    const out = run('pnpm', ['pack', '--pack-destination', work], p.dir).trim().split('\n').pop();
    tarballs.push(out.startsWith('/') ? out : join(work, out));
    const manifest = JSON.parse(run('tar', ['-xOzf', tarballs.at(-1), 'package/package.json'], work));
    for (const [dep, range] of Object.entries(manifest.dependencies ?? {})) {
      if (String(range).startsWith('workspace:')) throw new Error(`${p.json.name}: ${dep} still has ${range}`);
    }
    if (JSON.stringify(manifest.exports ?? {}).includes('@p2p/source')) {
      throw new Error(`${p.json.name}: the source export condition leaked into the published manifest`);
    }
  }
  const app = join(work, 'app');
  execFileSync('mkdir', ['-p', app]);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'smoke', private: true, version: '0.0.0' }));
  run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', ...tarballs], app);

  for (const p of pkgs) {
    const name = p.json.name;
    const esm = `import * as m from '${name}'; const k = Object.keys(m).filter((x) => x !== 'default'); if (k.length === 0) throw new Error('no exports'); console.log(JSON.stringify(k.sort()));`;
    const cjs = `const m = require('${name}'); const k = Object.keys(m).filter((x) => x !== 'default'); if (k.length === 0) throw new Error('no exports'); console.log(JSON.stringify(k.sort()));`;
    try {
      const a = run('node', ['--input-type=module', '-e', esm], app).trim();
      const b = run('node', ['-e', cjs], app).trim();
      if (a !== b) throw new Error(`ESM and CJS export different names:\n  esm ${a}\n  cjs ${b}`);
      console.log(`pack-smoke: ${name} loads from ESM and CJS (${JSON.parse(a).length} exports)`);
    } catch (err) {
      failures++;
      console.error(`pack-smoke: ${name} FAILED: ${err.stderr || err.message}`);
    }
  }
  // A functional check through both module systems: base58 (base-x, bundled) and protocol ids.
  const check = `const { base58EncodeInt, Protocol } = m; if (base58EncodeInt(1500000000n) !== '3HYtjy') throw new Error('base58'); if (new Protocol('mesh', 'Plaintext').id !== 'EpAmyZWv9rZUKmjQgU3FTUD4GrJHvVEXizmghVBc8eGD') throw new Error('protocol id');`;
  try {
    run('node', ['--input-type=module', '-e', `import * as m from '@p2p/base'; ${check}`], app);
    run('node', ['-e', `const m = require('@p2p/base'); ${check}`], app);
    console.log('pack-smoke: @p2p/base computes ids correctly from ESM and CJS');
  } catch (err) {
    failures++;
    console.error(`pack-smoke: functional check FAILED: ${err.stderr || err.message}`);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
console.log(`pack-smoke: ${failures === 0 ? 'all packages passed' : `${failures} failure(s)`}`);
process.exit(failures === 0 ? 0 : 1);
