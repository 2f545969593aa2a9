import { defineConfig } from 'vitest/config';
import { vitestPreset } from '@p2p/config/vitest';

const preset = vitestPreset();

// Two projects over the same test files: 'node' resolves `#platform` to platform/node.ts (the
// default), 'browser-entry' adds the `browser` condition, so the hash, compression, frame and
// id vectors also run through platform/browser.ts (@noble/hashes, fflate) in Node, and the
// README example imports '@p2p/base' through the browser entry. The TCP tests stay Node-only.
export default defineConfig({
  ...preset,
  test: {
    ...preset.test,
    projects: [
      { extends: true, test: { name: 'node', env: { P2P_EXPECT_PLATFORM: 'node' } } },
      {
        extends: true,
        resolve: { conditions: ['browser'] },
        ssr: { resolve: { conditions: ['browser'] } },
        test: {
          name: 'browser-entry',
          env: { P2P_EXPECT_PLATFORM: 'browser' },
          exclude: ['test/transport.test.ts', '**/node_modules/**'],
        },
      },
    ],
  },
});
