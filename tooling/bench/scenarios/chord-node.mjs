// One ChordSocket of the chord-procs scenario, in its own process, driven by the parent over IPC
// (procs.mjs). `node chord-node.mjs <index>`. Requests from the parent:
//   listen                               -> { port, id, idInt }   on 127.0.0.1, port 0
//   connect { port }                     -> {}                    dial this loopback port
//   join                                 -> {}
//   ring                                 -> { successor, predecessor, peers }   ids (or null)
//   set { indices, prefix }              -> { callMs }            set <prefix>-i = { i, payload } (prefix bench)
//   stored                               -> { stored, backups }   entries of the five tables, backup copies
//   known                                -> { keys, backups }     keys heard of by notify, backup copies
//   get { indices, concurrency, timeout } -> { latencies, wrong, failures, evicted, uptimeMs }
//                                           `concurrency` gets kept in flight; failures by cause;
//                                           lookups this node evicted meanwhile (its table full)
//   begin / end { profiled }             -> { cpuMs, waits, preempted }  (profiled: with
//                                           BENCH_CHILD_PROF the profile of the phase between them)
//   close                                -> {}, then exits
import { ChordSocket } from '@p2p/chord';
import { phaseProfile, processCounters, serve } from './procs.mjs';

const [index] = process.argv.slice(2);
const profile = phaseProfile(`chord-${index}`);
const nowMs = () => performance.now();
/** The value set under key `bench-i`: `i` is what each get checks. */
const benchValue = (i) => ({ i, payload: 'x'.repeat(32) });

let socket;
/** Retrievals this node dropped early because its table of pending lookups was full. */
const lookupsEvicted = () =>
  socket.metrics().metrics.find((m) => m.name === 'p2p_chord_lookups_evicted_total')?.series.reduce((s, x) => s + x.value, 0) ?? NaN;
const idOf = (node) => (node === undefined ? null : node === socket ? socket.id : node.peerId);

serve({
  async listen() {
    socket = await ChordSocket.listen({ host: '127.0.0.1', handoffOnClose: false });
    return { port: socket.outAddr[1], id: socket.id, idInt: socket.idInt.toString() };
  },
  async connect({ port }) {
    await socket.connect('127.0.0.1', port, { timeout: 10_000 });
  },
  join: () => socket.join(),
  ring: () => ({ successor: idOf(socket.successor), predecessor: idOf(socket.predecessor), peers: socket.peers.size }),
  set({ indices, prefix = 'bench' }) {
    const start = nowMs();
    for (const i of indices) socket.set(`${prefix}-${i}`, benchValue(i));
    return { callMs: nowMs() - start };
  },
  stored: () => ({ stored: socket.storedEntries, backups: socket.backupEntries }),
  known() {
    let keys = 0;
    for (const _ of socket.keys()) keys++;
    return { keys, backups: socket.backupEntries, pending: socket.pendingLookups };
  },
  async get({ indices, concurrency, timeout }) {
    const latencies = new Float64Array(indices.length);
    let next = 0;
    let wrong = 0;
    // Why gets failed: rejections by error code, and wrongValue (a value, but not bench-i's).
    const failures = {};
    const failed = Symbol('failed');
    const evictedBefore = lookupsEvicted();
    // `concurrency` loops, each starting its next get when the last one settled.
    const loop = async () => {
      while (next < indices.length) {
        const k = next++;
        const i = indices[k];
        const start = nowMs();
        const value = await socket.get(`bench-${i}`, undefined, { timeout }).catch((err) => {
          failures[err?.code ?? 'other'] = (failures[err?.code ?? 'other'] ?? 0) + 1;
          return failed;
        });
        latencies[k] = nowMs() - start;
        if (value !== failed && value?.i !== i) failures.wrongValue = (failures.wrongValue ?? 0) + 1;
        if (value?.i !== i) wrong++;
      }
    };
    await Promise.all(Array.from({ length: concurrency }, loop));
    const evicted = lookupsEvicted() - evictedBefore;
    return { latencies, wrong, failures, evicted, uptimeMs: Math.round(process.uptime() * 1000) };
  },
  async begin({ profiled = false }) {
    if (profiled) await profile.start();
    return processCounters();
  },
  async end({ profiled = false }) {
    const at = processCounters();
    if (profiled) await profile.stop();
    return at;
  },
  close: () => socket?.close(),
});
