/**
 * The tests spawn the real `p2p` executable, which runs from dist and imports the other
 * packages' dist. Build all of them first (turbo: a cache hit when nothing changed). Under
 * `turbo run test` the build already ran as a dependency of this task (turbo.json), so building
 * again here would only race with other tasks reading the same dist folders.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export default function setup(): void {
  const bin = fileURLToPath(new URL('../dist/bin.js', import.meta.url));
  if (process.env['TURBO_HASH'] && existsSync(bin)) return;
  const root = fileURLToPath(new URL('../../..', import.meta.url));
  try {
    execFileSync('pnpm', ['exec', 'turbo', 'run', 'build', '--filter=@p2p/cli...', '--output-logs=errors-only'], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
      encoding: 'utf8',
      env: { ...process.env, TURBO_TELEMETRY_DISABLED: '1', DO_NOT_TRACK: '1' },
    });
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string };
    throw new Error(`building @p2p/cli and its dependencies failed:\n${e.stdout ?? ''}${e.stderr ?? ''}`);
  }
}
