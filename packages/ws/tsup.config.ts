import { defineConfig } from 'tsup';
import { tsupPreset } from '@p2p/config/tsup';

// Node: '.' registers 'ws'/'wss' on import, './transport' has no side effect; both use `ws`.
// Browsers: the same two entries over the native WebSocket, with nothing of `ws` in them.
// Types are the Node entries' (the API is the same).
export default defineConfig([
  { ...tsupPreset({ entry: ['src/index.ts', 'src/transport.ts'] }), clean: ['!browser*'] },
  {
    ...tsupPreset(),
    entry: { browser: 'src/browser/index.ts', 'browser-transport': 'src/browser/transport.ts' },
    format: ['esm'],
    dts: false,
    clean: ['!index.*', '!transport.*'],
    platform: 'browser',
    target: 'es2022',
  },
]);
