import { describe, expect, it } from 'vitest';
import * as base from '@p2p/base';
import { namesInReadme } from '@p2p/testnet';
import * as self from '../src/index';

// Under strict installs (pnpm, Yarn PnP) a user of @p2p/mesh cannot import @p2p/base without
// installing it too: every base value this README names must come from this package.
describe('the README needs no other package', () => {
  const named = namesInReadme(new URL('../README.md', import.meta.url));

  it('re-exports every @p2p/base value named in README.md', () => {
    const missing = [...named].filter((name) => name in base && !(name in self));
    expect(missing).toEqual([]);
  });

  it('exports Protocol and the error helpers', () => {
    for (const name of ['Protocol', 'P2PError', 'isP2PError']) expect(self).toHaveProperty(name);
  });
});
