import { defineConfig } from 'vitest/config';
import { vitestPreset } from '@p2p/config/vitest';

// Each browser file launches one Chromium; one file at a time keeps the suite gentle on a
// loaded CI machine (the whole suite takes well under a minute).
const preset = vitestPreset({ testTimeout: 30_000 });
export default defineConfig({ ...preset, test: { ...preset.test, fileParallelism: false } });
