/**
 * `pnpm stress [scenario...] [--short]`: runs the fault suite, one JSON line per scenario, and
 * exits non-zero when any failed. Without names, every scenario runs, full size.
 */
import { SCENARIOS, type Size } from './scenarios/index';
import { printResult } from './report';

const args = process.argv.slice(2);
const size: Size = args.includes('--short') ? 'short' : 'full';
const framesArg = args.indexOf('--frames');
const frames = framesArg >= 0 ? Number(args[framesArg + 1]) : undefined;
const names = args.filter((a, i) => !a.startsWith('--') && (framesArg < 0 || i !== framesArg + 1));
const chosen = names.length === 0 ? Object.keys(SCENARIOS) : names;

let failed = 0;
for (const name of chosen) {
  const run = SCENARIOS[name];
  if (run === undefined) {
    process.stderr.write(`unknown scenario ${name}; known: ${Object.keys(SCENARIOS).join(', ')}\n`);
    process.exit(2);
  }
  try {
    const result = await run(size, { frames });
    printResult(result);
    if (!result.pass) failed++;
  } catch (err) {
    printResult({ scenario: name, pass: false, goal: 'ran to completion', failures: [String((err as Error).stack ?? err)] });
    failed++;
  }
}
process.exit(failed === 0 ? 0 : 1);
