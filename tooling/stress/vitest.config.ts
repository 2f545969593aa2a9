import { defineConfig } from 'vitest/config';
import { vitestPreset } from '@p2p/config/vitest';

export default defineConfig(vitestPreset({ testTimeout: 60_000 }));
