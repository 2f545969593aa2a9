// Shared tsup settings: ESM + CJS + .d.ts, one entry per package.
/** @param {{ entry?: string[], noExternal?: (string|RegExp)[] }} [overrides] */
export function tsupPreset(overrides = {}) {
  return {
    entry: overrides.entry ?? ['src/index.ts'],
    format: ['esm', 'cjs'],
    dts: true,
    clean: true,
    sourcemap: true,
    target: 'node20',
    platform: 'node',
    splitting: false,
    treeshake: true,
    // Sibling packages must stay external: they are dependencies, not bundled copies.
    external: [/^@p2p\//],
    noExternal: overrides.noExternal ?? [],
  };
}
