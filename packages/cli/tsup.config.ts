import { defineConfig } from 'tsup';
import { tsupPreset } from '@p2p/config/tsup';

// The library entry as ESM + CJS + types (the preset); the `p2p` executable as one ESM file
// (tsup keeps its shebang and marks it executable).
export default defineConfig([
  tsupPreset(),
  { ...tsupPreset({ entry: ['src/bin.ts'] }), format: ['esm'], dts: false, clean: false },
]);
