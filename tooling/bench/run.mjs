#!/usr/bin/env node
// Runs benchmark scenarios against the BUILT @p2p packages (`pnpm bench` builds first).
//
//   node tooling/bench/run.mjs [scenario ...] [-n N] [--runs R] [--json]
//
// The scenario contract. A scenario is a module in ./scenarios, registered by one line in
// SCENARIOS below, exporting:
//   name          the name on the command line
//   description   one line
//   run({ messages, runs }) -> { results: [{ label, value, unit?, goal?, ratio? }], ...anything }
//     messages  the -n value, or undefined when none was given (the scenario picks its sizes)
//     runs      the --runs value; a scenario that exports `repeats = false` uses it itself
//               (alternating rounds, say), otherwise this runner calls run() that many times
//   and, optionally, `repeats = false` (see above).
// Each result row:
//   label   what was measured, unique within the scenario (rows are matched across runs by it)
//   value   a number (the median over the runs is reported) or a string (the last run's)
//   unit    printed after the value
//   ratio   optional number, the figure the goal judges when present (mesh / relay, say); its
//           median over the runs is reported
//   goal    optional: '>= 0.6', '<= 3', '< 100', '= 0' ... on `ratio` when given, else on `value`;
//           the row then prints PASS or FAIL
// The runner prints every row with its median, ratio, goal and verdict (or JSON with --json:
// every run's rows and the medians), and exits 1 when any goal failed.
import { parseArgs } from 'node:util';
import { formatNumber, judge, medianRows } from './report.mjs';

const SCENARIOS = {
  mesh: () => import('./scenarios/mesh.mjs'),
  'mesh-procs': () => import('./scenarios/mesh-procs.mjs'),
  scale: () => import('./scenarios/scale.mjs'),
  memory: () => import('./scenarios/memory.mjs'),
  ssl: () => import('./scenarios/ssl.mjs'),
  'ssl-procs': () => import('./scenarios/ssl-procs.mjs'),
  ws: () => import('./scenarios/ws.mjs'),
  sync: () => import('./scenarios/sync.mjs'),
  chord: () => import('./scenarios/chord.mjs'),
  'chord-procs': () => import('./scenarios/chord-procs.mjs'),
  auth: () => import('./scenarios/auth.mjs'),
  frame: () => import('./scenarios/frame.mjs'),
};

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    json: { type: 'boolean', default: false },
    messages: { type: 'string', short: 'n' },
    runs: { type: 'string', short: 'r' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

if (values.help) {
  console.log(`usage: node tooling/bench/run.mjs [${Object.keys(SCENARIOS).join('|')} ...] [-n messages] [--runs R (default 3)] [--json]`);
  process.exit(0);
}

const names = positionals.length > 0 ? positionals : Object.keys(SCENARIOS);
const unknown = names.filter((n) => !(n in SCENARIOS));
if (unknown.length > 0) {
  console.error(`unknown scenario(s): ${unknown.join(', ')}; known: ${Object.keys(SCENARIOS).join(', ')}`);
  process.exit(2);
}
const given = values.messages ?? process.env.BENCH_MESSAGES;
const messages = given === undefined ? undefined : Number(given);
if (messages !== undefined && (!Number.isInteger(messages) || messages <= 0)) {
  console.error('--messages must be a positive integer');
  process.exit(2);
}
const runs = Number(values.runs ?? process.env.BENCH_RUNS ?? 3);
if (!Number.isInteger(runs) || runs <= 0) {
  console.error('--runs must be a positive integer');
  process.exit(2);
}

const report = { node: process.version, platform: `${process.platform}/${process.arch}`, runs, scenarios: [] };
for (const name of names) {
  const scenario = await SCENARIOS[name]();
  const times = scenario.repeats === false ? 1 : runs;
  const outcomes = [];
  for (let i = 0; i < times; i++) {
    if (!values.json) console.error(`running ${name} (${i + 1}/${times}): ${scenario.description} ...`);
    outcomes.push(await scenario.run({ messages, runs }));
  }
  const results = judge(medianRows(outcomes.map((o) => o.results)));
  report.scenarios.push({ name, description: scenario.description, runs: times, results, outcomes });
}

const failed = report.scenarios.flatMap((s) => s.results.filter((r) => r.pass === false).map((r) => `${s.name}: ${r.label}`));
if (values.json) {
  console.log(JSON.stringify(report, (_, v) => (typeof v === 'bigint' ? v.toString() : v), 2));
} else {
  for (const s of report.scenarios) {
    console.log(`\n${s.name}: ${s.description}${s.runs > 1 ? ` (median of ${s.runs} runs)` : ''}`);
    const width = Math.max(...s.results.map((r) => r.label.length));
    for (const r of s.results) {
      const v = typeof r.value === 'number' ? formatNumber(r.value) : String(r.value);
      let line = `  ${r.label.padEnd(width)}  ${v.padStart(12)} ${r.unit ?? ''}`;
      if (r.goal !== undefined) {
        const ratio = r.ratio === undefined ? '' : `ratio ${formatNumber(r.ratio)}  `;
        line += `  [${ratio}goal ${r.goal}: ${r.pass ? 'PASS' : 'FAIL'}]`;
      } else if (r.ratio !== undefined) {
        line += `  [ratio ${formatNumber(r.ratio)}]`;
      }
      console.log(line);
    }
  }
  if (failed.length > 0) console.log(`\n${failed.length} goal(s) failed:\n  ${failed.join('\n  ')}`);
}
process.exitCode = failed.length > 0 ? 1 : 0;
