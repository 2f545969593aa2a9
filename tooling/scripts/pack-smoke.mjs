#!/usr/bin/env node
// Packs every public package with `pnpm pack` (as it would be published), installs the tarballs
// with npm into an empty temporary folder, and loads each package from both ESM and CJS.
// Catches what unit tests cannot: missing files, broken exports maps, CJS interop of bundled
// dependencies (base-x), workspace:^ ranges left unrewritten, errors of the CJS build not
// recognised by the ESM build (and back), a published browser build that pulls in Node, and a
// tarball without LICENSE or without the licence notices of the code its build bundles.
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
    try {
      checkLicenses(p, tarballs.at(-1));
      console.log(`pack-smoke: ${p.json.name} ships LICENSE${bundledPackages(p.dir).length > 0 ? ` and the notices of ${bundledPackages(p.dir).join(', ')}` : ''}`);
    } catch (err) {
      failures++;
      console.error(`pack-smoke: ${p.json.name} licence check FAILED: ${err.message}`);
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
  // The dual-package hazard: CJS and ESM builds are two copies of base, with two P2PError
  // classes. The Symbol.for brand makes each recognise the other's errors.
  const cross = `
    import { createRequire } from 'node:module';
    const cjs = createRequire(process.cwd() + '/index.js')('@p2p/base');
    const esm = await import('@p2p/base');
    if (cjs.P2PError === esm.P2PError) throw new Error('expected two copies of base');
    const fromCjs = new cjs.ClosedError('cjs');
    const fromEsm = new esm.ClosedError('esm');
    const checks = {
      'CJS ClosedError instanceof ESM P2PError': fromCjs instanceof esm.P2PError,
      'ESM isP2PError(CJS ClosedError)': esm.isP2PError(fromCjs) && esm.isP2PError(fromCjs, 'CLOSED'),
      'ESM ClosedError instanceof CJS P2PError': fromEsm instanceof cjs.P2PError,
      'CJS isP2PError(ESM ClosedError)': cjs.isP2PError(fromEsm) && cjs.isP2PError(fromEsm, 'CLOSED'),
      'ESM asP2PError keeps a CJS error': esm.asP2PError(fromCjs) === fromCjs,
      'a plain Error is not a P2PError': !(new Error('x') instanceof esm.P2PError) && !cjs.isP2PError(new Error('x')),
    };
    const failed = Object.entries(checks).filter(([, ok]) => !ok).map(([what]) => what);
    if (failed.length > 0) throw new Error('failed: ' + failed.join('; '));`;
  try {
    run('node', ['--input-type=module', '-e', cross], app);
    console.log('pack-smoke: ClosedError from CJS is a P2PError in ESM, and back');
  } catch (err) {
    failures++;
    console.error(`pack-smoke: cross-build error check FAILED: ${err.stderr || err.message}`);
  }

  // The published browser builds: bundle the installed tarballs as a web app would.
  const { bundleBrowser } = await import(join(root, 'tooling/bundle-check/src/bundle-browser.mjs'));
  const browserEntries = ['@p2p/base', '@p2p/mesh', '@p2p/sync', '@p2p/chord', '@p2p/ws'].filter((n) => pkgs.some((p) => p.json.name === n));
  for (const name of browserEntries) {
    try {
      const b = await bundleBrowser({ contents: `export * from '${name}';`, resolveDir: app, conditions: [], root: app });
      if (b.builtins.length > 0) throw new Error(b.builtins.map((x) => `${x.importer} -> '${x.module}'`).join(', '));
      if (!b.inputs.some((f) => f.endsWith('@p2p/base/dist/browser.js'))) throw new Error(`did not use base's browser build: ${b.inputs.join(', ')}`);
      console.log(`pack-smoke: ${name} bundles for the browser from its tarball (${(b.bytes / 1024).toFixed(1)} KiB minified, ${(b.gzipBytes / 1024).toFixed(1)} KiB gzipped)`);
    } catch (err) {
      failures++;
      console.error(`pack-smoke: ${name} browser bundle FAILED: ${err.message}`);
    }
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}

/** The tarball holds the root LICENSE, and the exact licence text of every bundled package. */
function checkLicenses(p, tarball) {
  const listed = run('tar', ['-tzf', tarball], work).split('\n');
  if (!listed.includes('package/LICENSE')) throw new Error('no LICENSE in the tarball');
  const shipped = run('tar', ['-xOzf', tarball, 'package/LICENSE'], work);
  if (shipped !== readFileSync(join(root, 'LICENSE'), 'utf8')) throw new Error('its LICENSE differs from the root LICENSE');
  const bundled = bundledPackages(p.dir);
  if (bundled.length === 0) return;
  if (!listed.includes('package/THIRD-PARTY-NOTICES.md')) throw new Error(`bundles ${bundled.join(', ')} but has no THIRD-PARTY-NOTICES.md`);
  const notices = run('tar', ['-xOzf', tarball, 'package/THIRD-PARTY-NOTICES.md'], work);
  for (const name of bundled) {
    const dir = join(p.dir, 'node_modules', name);
    const file = readdirSync(dir).find((f) => /^licen[cs]e/i.test(f));
    if (file === undefined) throw new Error(`${name} has no licence file to copy`);
    if (!notices.includes(readFileSync(join(dir, file), 'utf8').trim())) throw new Error(`THIRD-PARTY-NOTICES.md lacks ${name}'s licence, word for word`);
  }
}

/** Packages whose code the build bundled, read from the source maps in dist/. */
function bundledPackages(dir) {
  const names = new Set();
  for (const f of readdirSync(join(dir, 'dist')).filter((x) => x.endsWith('.map'))) {
    for (const source of JSON.parse(readFileSync(join(dir, 'dist', f), 'utf8')).sources ?? []) {
      const at = source.lastIndexOf('node_modules/');
      if (at < 0) continue;
      const parts = source.slice(at + 'node_modules/'.length).split('/');
      names.add(parts[0].startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]);
    }
  }
  return [...names].sort();
}
console.log(`pack-smoke: ${failures === 0 ? 'all packages passed' : `${failures} failure(s)`}`);
process.exit(failures === 0 ? 0 : 1);
