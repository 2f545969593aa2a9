import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import { vitestPreset } from '@p2p/config/vitest';

const preset = vitestPreset({ testTimeout: 30_000 });

// The examples import this package by name, as users do; point that at the source.
export default defineConfig({
  ...preset,
  resolve: { ...preset.resolve, alias: { '@p2p/chord': fileURLToPath(new URL('./src/index.ts', import.meta.url)) } },
});
