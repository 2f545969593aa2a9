import { defineConfig } from 'tsup';
import { tsupPreset } from '@p2p/config/tsup';

export default defineConfig(tsupPreset());
