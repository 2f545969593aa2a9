import { defineConfig } from 'tsup';
import { tsupPreset } from '@p2p/config/tsup';

// base-x and snappyjs are bundled: base-x's CJS build exports `default` in a way that breaks
// an interop-wrapped require() from our CJS output.
export default defineConfig(tsupPreset({ noExternal: ['base-x', 'snappyjs'] }));
