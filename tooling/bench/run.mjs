#!/usr/bin/env node
// Runs benchmark scenarios against the BUILT @p2p packages (`pnpm bench` builds first).
//
//   node tooling/bench/run.mjs [scenario ...] [--messages N] [--json]
//
// Each scenario is a module in ./scenarios exporting `name`, `description` and
// `run({ messages }) -> { results: [{ label, value, unit }], ... }`. Add sync/chord/ssl
// scenarios by adding a file and a line to SCENARIOS.
import { parseArgs } from 'node:util';

const SCENARIOS = {
  mesh: () => import('./scenarios/mesh.mjs'),
  ssl: () => import('./scenarios/ssl.mjs'),
  ws: () => import('./scenarios/ws.mjs'),
  sync: () => import('./scenarios/sync.mjs'),
  chord: () => import('./scenarios/chord.mjs'),
};

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    json: { type: 'boolean', default: false },
    messages: { type: 'string', short: 'n' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

if (values.help) {
  console.log(`usage: node tooling/bench/run.mjs [${Object.keys(SCENARIOS).join('|')} ...] [-n messages] [--json]`);
  process.exit(0);
}

const names = positionals.length > 0 ? positionals : Object.keys(SCENARIOS);
const unknown = names.filter((n) => !(n in SCENARIOS));
if (unknown.length > 0) {
  console.error(`unknown scenario(s): ${unknown.join(', ')}; known: ${Object.keys(SCENARIOS).join(', ')}`);
  process.exit(2);
}
const messages = Number(values.messages ?? process.env.BENCH_MESSAGES ?? 2000);
if (!Number.isInteger(messages) || messages <= 0) {
  console.error('--messages must be a positive integer');
  process.exit(2);
}

const report = { node: process.version, platform: `${process.platform}/${process.arch}`, scenarios: [] };
for (const name of names) {
  const scenario = await SCENARIOS[name]();
  if (!values.json) console.error(`running ${name}: ${scenario.description} ...`);
  const outcome = await scenario.run({ messages });
  report.scenarios.push({ name, description: scenario.description, ...outcome });
}

if (values.json) {
  console.log(JSON.stringify(report, null, 2));
} else {
  for (const s of report.scenarios) {
    console.log(`\n${s.name}: ${s.description}`);
    const width = Math.max(...s.results.map((r) => r.label.length));
    for (const r of s.results) {
      const v = typeof r.value === 'number' ? formatNumber(r.value) : String(r.value);
      console.log(`  ${r.label.padEnd(width)}  ${v.padStart(12)} ${r.unit ?? ''}`);
    }
  }
}

function formatNumber(n) {
  if (Number.isInteger(n)) return n.toLocaleString('en-US');
  return n.toLocaleString('en-US', { maximumFractionDigits: n < 10 ? 3 : 1 });
}
