import { defineConfig } from 'tsup';
import { tsupPreset } from '@p2p/config/tsup';

// Two entries: '.' registers 'SSL' on import, './transport' has no side effect.
export default defineConfig(tsupPreset({ entry: ['src/index.ts', 'src/transport.ts'] }));
