import { defineConfig, mergeConfig } from 'vitest/config';
import { vitestPreset } from '@p2p/config/vitest';

// The tests spawn the real `p2p` executable, so a global setup builds it (and the packages it
// imports at run time) once before they start; nothing needs to be built beforehand.
export default mergeConfig(defineConfig(vitestPreset({ testTimeout: 60_000 })), {
  test: { globalSetup: ['test/global-setup.ts'], hookTimeout: 180_000 },
});
