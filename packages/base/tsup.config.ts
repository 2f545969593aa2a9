import { defineConfig } from 'tsup';
import { tsupPreset } from '@p2p/config/tsup';

// base-x and snappyjs are bundled: base-x's CJS build exports `default` in a way that breaks
// an interop-wrapped require() from our CJS output. @noble/hashes and fflate stay dependencies
// (only the browser build imports them): consumers dedupe them, and their bundler picks
// fflate's browser build.
const noExternal = ['base-x', 'snappyjs'];
const node = tsupPreset({ noExternal });

export default defineConfig([
  // Node: dist/index.{js,cjs,d.ts,d.cts}, `#platform` -> platform/node.ts.
  { ...node, clean: ['!browser.*'] },
  // Browsers: dist/browser.js (ESM), `#platform` -> platform/browser.ts through the `browser`
  // condition. Types are the Node entry's: the API is the same.
  {
    ...tsupPreset({ entry: ['src/browser.ts'], noExternal }),
    format: ['esm'],
    dts: false,
    clean: ['!index.*'],
    platform: 'browser',
    target: 'es2022',
  },
]);
