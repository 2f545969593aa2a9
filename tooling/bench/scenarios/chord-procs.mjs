// Scenario "chord-procs": the 8-node part of the chord scenario with one ChordSocket per child
// process (real nodes do not share a thread), on loopback TCP. The ring is formed as there (line
// dials, every node joins, each then dials its ring neighbours and fingers itself). N sets
// (1,000 unless -n), set i by node i mod 8, after an unreported round of the same sets under
// other keys (setRound); "sets landed" is the time until the five replicas of
// all N are stored (the children's storedEntries, polled over IPC), with the CPU it took. Once
// the network is quiet (every node heard every notify, every backup copy landed), N gets, get i
// by node (i + 3) mod 8, 50 in flight in total: each process keeps its share of the 50 going
// (7 or 6), every value checked; two unreported rounds of the same gets first
// (WARMUP_GET_ROUNDS), then the measured one. CPU per get is the user + system time of all 8 processes over the get round divided by
// N (the parent, which only waits on IPC, is not counted); the first round's is reported beside
// it. Latencies are merged from the children. `runs` rings, one after the other; medians.
// The nodes keep the default options, so a run longer than 30 s meets the first periodic
// replica check (its gets then show it). With fewer cores than 8 the wall-clock figures
// measure the scheduler as much as the code; CPU per get is the steadier one.
import { fileURLToPath } from 'node:url';
import { spawnChildren } from './procs.mjs';

export const name = 'chord-procs';
export const description = '8 chord nodes, one per child process, on loopback: N sets then N gets (50 in flight in total)';
export const repeats = false;

const NODES = 8;
const CONCURRENCY = 50;
const DEFAULT_OPS = 1_000;
const GET_TIMEOUT_MS = 10_000;
const TIMEOUT_MS = 120_000;
/** How often the parent asks the children for their counts while it waits. */
const POLL_MS = 10;
/**
 * Unreported rounds of the same N gets before the measured one. In `chord` the 8 nodes share one
 * JIT; here each process compiles its own copy, and on the loaded 2-core machine it was still
 * optimizing retrieve-path functions through the fourth round of 2,000 gets (--trace-opt: 277,
 * 264, 150, 111 functions in rounds 2 to 5), CPU per get 1,115, 1,204, 964, 740 us.
 */
const WARMUP_GET_ROUNDS = 2;
const CHILD = fileURLToPath(new URL('./chord-node.mjs', import.meta.url));

const nowMs = () => performance.now();
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
const sum = (xs) => xs.reduce((s, x) => s + x, 0);

/** Polls `ask` (answers of all children) until `done(answers)`; rejects after `timeout`. */
async function pollUntil(ask, done, what, timeout = TIMEOUT_MS) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const answers = await ask();
    if (done(answers)) return answers;
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeout} ms`);
    await sleep(POLL_MS);
  }
}

/** The indices 0..ops-1 that node `c` handles when node `(i + shift) mod NODES` handles i. */
const share = (ops, c, shift) => Array.from({ length: ops }, (_, i) => i).filter((i) => (i + shift) % NODES === c);

/**
 * N sets of `<prefix>-i`, set i by node i mod 8, until all 5 N replicas are stored and the network
 * is quiet: every node heard every notify (and the `before` keys set earlier), every backup copy
 * landed, and the replica check the ring changes triggered is over (no retrieval pending: its
 * paced probes would share the next round's CPU). Times are from the first set.
 */
async function setRound(children, all, ops, prefix, before) {
  const setCpu = await all('begin', {});
  const t0 = nowMs();
  const sets = await Promise.all(children.map((child, c) => child.ask('set', { indices: share(ops, c, 0), prefix })));
  const setsAnswered = nowMs() - t0;
  const total = before + ops;
  await pollUntil(() => all('stored'), (s) => sum(s.map((x) => x.stored)) >= total * 5, 'all replicas stored');
  const landed = nowMs() - t0;
  const setCpuMs = sum((await all('end', {})).map((a, c) => a.cpuMs - setCpu[c].cpuMs));
  await pollUntil(
    () => all('known'),
    (k) => k.every((x) => x.keys >= total && x.pending === 0) && sum(k.map((x) => x.backups)) >= total * 5,
    'notify broadcasts, backups and repair checks',
  );
  return { sets, setsAnswered, landed, setCpuMs };
}

/**
 * One round of `ops` gets, get i by node (i + 3) mod 8, 50 in flight in total: the first
 * 50 mod 8 processes keep one more going than the others.
 */
async function getRound(children, ops, profiled) {
  const all = (cmd, body) => Promise.all(children.map((c) => c.ask(cmd, body)));
  const before = await all('begin', { profiled });
  const start = nowMs();
  const gets = await Promise.all(
    children.map((child, c) =>
      child.ask('get', {
        indices: share(ops, c, 3),
        concurrency: Math.floor(CONCURRENCY / NODES) + (c < CONCURRENCY % NODES ? 1 : 0),
        timeout: GET_TIMEOUT_MS,
      }),
    ),
  );
  const elapsed = nowMs() - start;
  const after = await all('end', { profiled });
  const latencies = Float64Array.from(gets.flatMap((g) => Array.from(g.latencies))).sort();
  const perProcess = after.map((a, c) => ({ cpuMs: a.cpuMs - before[c].cpuMs, waits: a.waits - before[c].waits, preempted: a.preempted - before[c].preempted }));
  return {
    getsPerS: ops / (elapsed / 1000),
    getP50: pct(latencies, 0.5),
    getP99: pct(latencies, 0.99),
    getCpuUs: (sum(perProcess.map((p) => p.cpuMs)) * 1000) / ops,
    wrong: sum(gets.map((g) => g.wrong)),
    failures: gets.map((g) => g.failures),
    lookupsEvicted: sum(gets.map((g) => g.evicted)),
    uptimeMs: Math.max(...gets.map((g) => g.uptimeMs)),
    perProcess,
  };
}

async function runRing(ops) {
  const group = await spawnChildren(CHILD, NODES);
  const { children } = group;
  const all = (cmd, body) => Promise.all(children.map((c) => c.ask(cmd, body)));
  try {
    const nodes = await all('listen');
    for (let i = 0; i + 1 < NODES; i++) await children[i].ask('connect', { port: nodes[i + 1].port });
    await all('join');
    const order = nodes.map((n, c) => ({ id: n.id, idInt: BigInt(n.idInt), c })).sort((a, b) => (a.idInt < b.idInt ? -1 : 1));
    const ring = await pollUntil(
      () => all('ring'),
      (rings) =>
        order.every(
          ({ c }, k) => rings[c].successor === order[(k + 1) % NODES].id && rings[c].predecessor === order[(k + NODES - 1) % NODES].id,
        ),
      'ring formation',
    );
    await sleep(500); // let finger dials and trimming settle

    // An unreported round of the same sets under other keys first: each process compiles its
    // write path once, as a long-running node does (measured cold, the 8 processes spent 3,000 to
    // 3,300 us of CPU per set until landed, against about 310 us for the warm in-process ring).
    const warm = await setRound(children, all, ops, 'warm', 0);
    const t0 = nowMs();
    const { sets, setsAnswered, landed, setCpuMs } = await setRound(children, all, ops, 'bench', ops);
    const quiet = nowMs() - t0;
    await sleep(200);

    const warmups = [];
    for (let r = 0; r < WARMUP_GET_ROUNDS; r++) warmups.push(await getRound(children, ops, false));
    const measured = await getRound(children, ops, true);
    return {
      setsPerS: ops / (setsAnswered / 1000),
      setCallMsMax: Math.max(...sets.map((s) => s.callMs)),
      landedPerS: ops / (landed / 1000),
      setCpuUs: (setCpuMs * 1000) / ops,
      quietMs: quiet,
      ...measured,
      firstGetCpuUs: warmups[0]?.getCpuUs ?? measured.getCpuUs,
      coldSetCpuUs: (warm.setCpuMs * 1000) / ops,
      // Every get of every round is checked.
      wrong: measured.wrong + sum(warmups.map((w) => w.wrong)),
      lookupsEvicted: measured.lookupsEvicted + sum(warmups.map((w) => w.lookupsEvicted)),
      warmups,
      degree: sum(ring.map((r) => r.peers)) / NODES,
    };
  } finally {
    await group.close();
  }
}

export async function run({ messages, runs = 3 } = {}) {
  const ops = messages ?? DEFAULT_OPS;
  const rounds = [];
  for (let r = 0; r < runs; r++) rounds.push(await runRing(ops));
  const m = (key) => median(rounds.map((x) => x[key]));
  return {
    rounds,
    results: [
      { label: 'sets (calls, 8 processes at once)', value: m('setsPerS'), unit: 'ops/s' },
      { label: 'sets landed (5 replicas each)', value: m('landedPerS'), unit: 'ops/s', goal: '>= 5000' },
      { label: 'CPU per set until landed (8 processes together)', value: m('setCpuUs'), unit: 'us' },
      { label: 'CPU per set until landed, first round (unreported, cold)', value: m('coldSetCpuUs'), unit: 'us' },
      { label: 'network quiet after the sets (notifies, backups, repair checks)', value: m('quietMs'), unit: 'ms' },
      { label: `gets (${CONCURRENCY} in flight)`, value: m('getsPerS'), unit: 'ops/s', goal: '>= 8000' },
      { label: 'get p50', value: m('getP50'), unit: 'ms' },
      { label: 'get p99', value: m('getP99'), unit: 'ms', goal: '< 15' },
      { label: 'CPU per get (8 processes together)', value: m('getCpuUs'), unit: 'us' },
      { label: 'CPU per get, first round (before the warm-up rounds)', value: m('firstGetCpuUs'), unit: 'us' },
      { label: 'gets with a wrong or missing value', value: Math.max(...rounds.map((x) => x.wrong)), unit: `of ${ops * (WARMUP_GET_ROUNDS + 1)}`, goal: '= 0' },
      { label: 'lookups evicted during the gets (a pending-lookup table full)', value: Math.max(...rounds.map((x) => x.lookupsEvicted)), unit: '' },
      { label: 'connections per node', value: m('degree'), unit: '' },
    ],
  };
}
