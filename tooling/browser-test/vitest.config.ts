import { defineConfig } from 'vitest/config';
import { vitestPreset } from '@p2p/config/vitest';

// One browser for the whole suite (one file), so the files do not run in parallel.
export default defineConfig(vitestPreset({ testTimeout: 30_000 }));
