// Shared vitest settings. Tests import sibling packages from source through the
// "@p2p/source" export condition, so no build is needed before testing.
/** @param {{ testTimeout?: number, include?: string[] }} [overrides] */
export function vitestPreset(overrides = {}) {
  const conditions = ['@p2p/source', 'module', 'node', 'development|production'];
  return {
    resolve: { conditions },
    ssr: { resolve: { conditions } },
    test: {
      include: overrides.include ?? ['test/**/*.test.ts'],
      environment: 'node',
      testTimeout: overrides.testTimeout ?? 20_000,
      hookTimeout: 20_000,
      pool: 'forks',
      reporters: ['default'],
    },
  };
}
