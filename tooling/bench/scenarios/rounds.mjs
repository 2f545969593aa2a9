// Alternating rounds of the mesh scenario's network over plain TCP and over another transport,
// with the same N in the same process (the ssl and ws scenarios): the medians and the rows both
// report.
import { runMesh, summarise } from './mesh.mjs';

/** Messages of the unreported first run of each, so neither pays for the JIT warming up. */
const WARMUP = 200;

const sum = (runs, key) => runs.reduce((total, r) => total + r[key], 0);
const median = (runs) => [...runs].sort((x, y) => x.messagesPerSecond - y.messagesPerSecond)[Math.floor(runs.length / 2)];
const medianOf = (runs, key) => runs.map((r) => r[key]).sort((x, y) => x - y)[Math.floor(runs.length / 2)];
const range = (runs) => runs.map((r) => Math.round(r.messagesPerSecond)).sort((x, y) => x - y).join(' / ');

/**
 * `rounds` runs of `runBase(messages)` and of `runVariant(messages)` (both resolve to a raw
 * mesh.mjs outcome), after an unreported short run of each; medians of each. Each round runs
 * the sides in the reverse order of the round before (base, variant; variant, base; ...), so a
 * side that gains or loses from going first (the heap and JIT state the other leaves behind)
 * does so in half the rounds only. With `control`, every round also runs `runBase` a second
 * time (`control`, `controlRuns`): the ratio of two identical sides, how far this machine moves
 * a ratio on its own in the same run.
 */
export async function alternate(messages, rounds, runBase, runVariant, { control = false } = {}) {
  await runBase(Math.min(WARMUP, messages));
  await runVariant(Math.min(WARMUP, messages));
  const baseRuns = [];
  const variantRuns = [];
  const controlRuns = [];
  const sides = [
    [runBase, baseRuns],
    [runVariant, variantRuns],
    ...(control ? [[runBase, controlRuns]] : []),
  ];
  for (let round = 0; round < rounds; round++) {
    for (const [runSide, runs] of round % 2 === 0 ? sides : [...sides].reverse()) runs.push(summarise(await runSide(messages)));
  }
  const controlled = control ? { control: median(controlRuns), controlRuns } : {};
  return { base: median(baseRuns), variant: median(variantRuns), baseRuns, variantRuns, ...controlled };
}

/** `rounds` runs of the mesh over plain TCP and with `variant` (runMesh's options), as {@link alternate}. */
export function alternatingRounds(messages, rounds, variant, { control = false } = {}) {
  return alternate(messages, rounds, (n) => runMesh(n), (n) => runMesh(n, variant), { control });
}

/**
 * The rows comparing the two: `names` label the plain and the other side ('TCP', 'WebSocket');
 * `ratioGoal` is the goal of the throughput ratio, if it has one; `tag` prefixes every label.
 */
export function roundRows({ messages, rounds, names: [a, b], base, variant, baseRuns, variantRuns, control, ratioGoal, tag = '' }) {
  const width = Math.max(a.length, b.length) + 1;
  const tagA = `${tag}${`${a}:`.padEnd(width)}`;
  const tagB = `${tag}${`${b}:`.padEnd(width)}`;
  // CPU time of the whole process (all 8 nodes) per message, median over the rounds: the
  // steadier figure on a shared machine, and where the other transport's own cost shows.
  const cpuA = medianOf(baseRuns, 'cpuUsPerMessage');
  const cpuB = medianOf(variantRuns, 'cpuUsPerMessage');
  return [
    { label: `${tag}messages`, value: messages, unit: `(each delivered to 7 nodes, same N for both; median of ${rounds} alternating rounds)` },
    { label: `${tagA} messages/s delivered to every node`, value: base.messagesPerSecond, unit: 'msg/s' },
    { label: `${tagB} messages/s delivered to every node`, value: variant.messagesPerSecond, unit: 'msg/s' },
    { label: `${tag}${b} / ${a} throughput`, value: variant.messagesPerSecond / base.messagesPerSecond, unit: 'x', ...(ratioGoal ? { goal: ratioGoal } : {}) },
    ...(control
      ? [{ label: `${tag}control: ${a} / ${a} again (same code, same rounds)`, value: control.messagesPerSecond / base.messagesPerSecond, unit: 'x (how far this machine moves a ratio by itself)' }]
      : []),
    { label: `${tag}lost / duplicate deliveries, every round: ${a}, ${b}`, value: `${sum(baseRuns, 'lost')} / ${sum(baseRuns, 'duplicates')}, ${sum(variantRuns, 'lost')} / ${sum(variantRuns, 'duplicates')}` },
    { label: `${tagA} every round`, value: range(baseRuns), unit: 'msg/s' },
    { label: `${tagB} every round`, value: range(variantRuns), unit: 'msg/s' },
    { label: `${tagA} latency p50 / p99`, value: `${base.p50Ms.toFixed(2)} / ${base.p99Ms.toFixed(2)}`, unit: 'ms' },
    { label: `${tagB} latency p50 / p99`, value: `${variant.p50Ms.toFixed(2)} / ${variant.p99Ms.toFixed(2)}`, unit: 'ms' },
    { label: `${tag}CPU per message: ${a} / ${b}`, value: `${cpuA.toFixed(1)} / ${cpuB.toFixed(1)}`, unit: 'µs', ratio: cpuA / cpuB },
  ];
}
