#!/usr/bin/env node
// The publish as `pnpm release` would do it, without publishing: checks every public package's
// manifest (license, author, repository, homepage, bugs, and that each `files` entry exists) and
// that its README's links to sections of the protocol document resolve;
// then runs `pnpm publish -r --dry-run` and requires every public package in its output.
//
// It cannot publish: besides --dry-run, the registry is a closed loopback port, and the npm
// user config is an empty temporary file (no tokens), with token variables removed from the
// environment. Needs the packages built (`pnpm build`, which `pnpm test` does).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

/** The one place the repository address is written; every package.json must agree. */
const REPOSITORY = 'https://github.com/p2p-ts/p2p';
const AUTHOR = 'the @p2p authors';
const NOWHERE = 'http://127.0.0.1:9/';

const root = resolve(import.meta.dirname, '../..');
const license = readFileSync(join(root, 'LICENSE'), 'utf8');
const problems = [];

const pkgs = readdirSync(join(root, 'packages'))
  .map((d) => ({ dir: d, json: JSON.parse(readFileSync(join(root, 'packages', d, 'package.json'), 'utf8')) }))
  .filter((p) => !p.json.private);

for (const { dir, json } of pkgs) {
  const where = `packages/${dir}/package.json`;
  const expect = (field, actual, wanted) => {
    if (JSON.stringify(actual) !== JSON.stringify(wanted)) {
      problems.push(`${where}: ${field} is ${JSON.stringify(actual)}, expected ${JSON.stringify(wanted)}`);
    }
  };
  expect('license', json.license, 'MIT');
  expect('author', json.author, AUTHOR);
  expect('repository', json.repository, { type: 'git', url: `git+${REPOSITORY}.git`, directory: `packages/${dir}` });
  expect('homepage', json.homepage, `${REPOSITORY}/tree/main/packages/${dir}#readme`);
  expect('bugs', json.bugs, { url: `${REPOSITORY}/issues` });
  for (const entry of json.files ?? []) {
    if (!existsSync(join(root, 'packages', dir, entry))) problems.push(`${where}: files lists ${entry}, which does not exist`);
  }
  if (!(json.files ?? []).includes('LICENSE')) problems.push(`${where}: files does not list LICENSE`);
  const own = join(root, 'packages', dir, 'LICENSE');
  if (!existsSync(own) || readFileSync(own, 'utf8') !== license) problems.push(`packages/${dir}/LICENSE differs from the root LICENSE`);
  problems.push(...brokenLinks(join(root, 'packages', dir, 'README.md')));
}

const work = mkdtempSync(join(tmpdir(), 'p2p-publish-'));
try {
  const npmrc = join(work, 'npmrc');
  writeFileSync(npmrc, 'fetch-retries=0\n');
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !/token|_auth|npm_config_registry|npm_config_userconfig/i.test(k)),
  );
  env.NPM_CONFIG_USERCONFIG = npmrc;
  let out;
  try {
    out = execFileSync('pnpm', ['publish', '-r', '--dry-run', '--no-git-checks', '--registry', NOWHERE], {
      cwd: root,
      env,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 300_000,
    });
  } catch (err) {
    problems.push(`pnpm publish -r --dry-run failed: ${err.stderr || err.message}`);
    out = String(err.stdout ?? '');
  }
  // Only packages/* are published: a workspace package elsewhere that lost `private` would be too.
  for (const [, name] of out.matchAll(/^\+ (@?[^@\s]+)@/gm)) {
    if (!pkgs.some((p) => p.json.name === name)) problems.push(`${name} would be published but is not one of packages/*`);
  }
  for (const { json } of pkgs) {
    if (!out.includes(`+ ${json.name}@${json.version}`)) problems.push(`${json.name}@${json.version} is missing from the dry run`);
    else console.log(`publish-dry-run: ${json.name}@${json.version} would be published`);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}

/**
 * Links of a published README to sections of other Markdown files of the repository (the
 * protocol document) whose heading does not exist: GitHub's anchor of a heading is its text,
 * lower-cased, without punctuation, spaces as hyphens.
 */
function brokenLinks(readme) {
  if (!existsSync(readme)) return [];
  const broken = [];
  const slug = (heading) => heading.trim().toLowerCase().replace(/[^\p{L}\p{N} _-]/gu, '').replace(/ /g, '-');
  for (const [, target, anchor] of readFileSync(readme, 'utf8').matchAll(/\]\(([^)\s#]*\.md)#([^)\s]+)\)/g)) {
    const file = resolve(dirname(readme), target);
    const text = existsSync(file) ? readFileSync(file, 'utf8').replace(/^```[\s\S]*?^```/gm, '') : '';
    const anchors = new Set([...text.matchAll(/^#{1,6} (.+)$/gm)].map((m) => slug(m[1])));
    if (!anchors.has(anchor)) broken.push(`${readme.slice(root.length + 1)}: link to ${target}#${anchor} has no such section`);
  }
  return broken;
}

for (const p of problems) console.error(`publish-dry-run: ${p}`);
console.log(`publish-dry-run: ${problems.length === 0 ? `all ${pkgs.length} packages ready` : `${problems.length} problem(s)`}`);
process.exit(problems.length === 0 ? 0 : 1);
