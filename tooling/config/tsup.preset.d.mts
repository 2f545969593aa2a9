import type { Options } from 'tsup';
export function tsupPreset(overrides?: { entry?: string[]; noExternal?: (string | RegExp)[] }): Options;
