import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import { vitestPreset } from '@p2p/config/vitest';

const preset = vitestPreset();

// The examples import this package by name, as users do; point that at the source.
export default defineConfig({
  ...preset,
  resolve: { ...preset.resolve, alias: { '@p2p/sync': fileURLToPath(new URL('./src/index.ts', import.meta.url)) } },
});
