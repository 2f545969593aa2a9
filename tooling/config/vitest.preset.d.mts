import type { UserConfig } from 'vitest/config';
export function vitestPreset(overrides?: { testTimeout?: number; include?: string[] }): UserConfig;
