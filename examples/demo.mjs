// The main command (`pnpm start`). Runs the live demo of the furthest-along layer.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const here = (f) => fileURLToPath(new URL(f, import.meta.url));
const demo = existsSync(here('./mesh-demo.mjs')) ? './mesh-demo.mjs' : './codec-demo.mjs';
await import(demo);
