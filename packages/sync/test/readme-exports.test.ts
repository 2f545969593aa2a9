import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as base from '@p2p/base';
import * as self from '../src/index';

// Under strict installs (pnpm, Yarn PnP) a user of @p2p/sync cannot import @p2p/base without
// installing it too: every base value this README names must come from this package.
describe('the README needs no other package', () => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const named = new Set<string>();
  const collect = (text: string): void => {
    for (const word of text.matchAll(/\b[A-Za-z_]\w*\b/g)) named.add(word[0]);
  };
  // Fenced examples first (their backticks would pair up with inline code), then inline code.
  const prose = readme.replace(/^```[^\n]*\n([\s\S]*?)^```/gm, (_, body: string) => {
    collect(body);
    return '';
  });
  for (const code of prose.matchAll(/`([^`\n]+)`/g)) collect(code[1]!);

  it('re-exports every @p2p/base value named in README.md', () => {
    const missing = [...named].filter((name) => name in base && !(name in self));
    expect(missing).toEqual([]);
  });

  it('exports Protocol and the error helpers', () => {
    for (const name of ['Protocol', 'P2PError', 'isP2PError']) expect(self).toHaveProperty(name);
  });
});
