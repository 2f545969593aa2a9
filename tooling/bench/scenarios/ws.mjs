// Scenario "ws": the mesh scenario's network (8 nodes, degree 4, one node broadcasts N small
// messages) in the same process with the same N, alternating plain TCP and WebSocket rounds
// (@p2p/ws in Node, over the `ws` package; each frame one binary message, as js2p sends).
// The upgrades happen while the network forms, before the clock starts: this measures
// steady-state throughput, the cost of WebSocket framing on every link.
import { wsTransport } from '@p2p/ws';
import { runMesh, summarise } from './mesh.mjs';

export const name = 'ws';
export const description = 'mesh throughput over WebSocket beside TCP: 8 nodes (each dials i+1 and i+3 mod 8), one broadcasts N small messages';

const WARMUP = 200;
/** Messages per round when -n is not given. */
const DEFAULT_MESSAGES = 2_000;

/** This scenario alternates its own rounds (`runs` of them): the runner calls it once. */
export const repeats = false;

const WS = { encryption: 'ws', transport: () => wsTransport('ws') };
const sum = (runs, key) => runs.reduce((total, r) => total + r[key], 0);
const median = (runs) => [...runs].sort((x, y) => x.messagesPerSecond - y.messagesPerSecond)[Math.floor(runs.length / 2)];

export async function run({ messages = DEFAULT_MESSAGES, runs: ROUNDS = 3 }) {
  // A short unreported run of each first, so neither pays for the JIT warming up.
  await runMesh(Math.min(WARMUP, messages));
  await runMesh(Math.min(WARMUP, messages), WS);

  const tcpRuns = [];
  const wsRuns = [];
  for (let round = 0; round < ROUNDS; round++) {
    tcpRuns.push(summarise(await runMesh(messages)));
    wsRuns.push(summarise(await runMesh(messages, WS)));
  }
  const tcp = median(tcpRuns);
  const ws = median(wsRuns);
  const range = (runs) => runs.map((r) => Math.round(r.messagesPerSecond)).sort((x, y) => x - y).join(' / ');
  return {
    messages,
    rounds: ROUNDS,
    tcp,
    ws,
    tcpRuns,
    wsRuns,
    results: [
      { label: 'messages', value: messages, unit: `(each delivered to 7 nodes, same N for both; median of ${ROUNDS} alternating rounds)` },
      { label: 'TCP:       messages/s delivered to every node', value: tcp.messagesPerSecond, unit: 'msg/s' },
      { label: 'WebSocket: messages/s delivered to every node', value: ws.messagesPerSecond, unit: 'msg/s' },
      { label: 'WebSocket / TCP throughput', value: ws.messagesPerSecond / tcp.messagesPerSecond, unit: 'x' },
      { label: 'lost / duplicate deliveries, every round: TCP, WebSocket', value: `${sum(tcpRuns, 'lost')} / ${sum(tcpRuns, 'duplicates')}, ${sum(wsRuns, 'lost')} / ${sum(wsRuns, 'duplicates')}` },
      { label: 'TCP:       every round', value: range(tcpRuns), unit: 'msg/s' },
      { label: 'WebSocket: every round', value: range(wsRuns), unit: 'msg/s' },
      { label: 'TCP:       latency p50 / p99', value: `${tcp.p50Ms.toFixed(2)} / ${tcp.p99Ms.toFixed(2)}`, unit: 'ms' },
      { label: 'WebSocket: latency p50 / p99', value: `${ws.p50Ms.toFixed(2)} / ${ws.p99Ms.toFixed(2)}`, unit: 'ms' },
      { label: 'frame bytes per message (both, before WebSocket framing)', value: Math.round(ws.bytesPerMessage), unit: 'B (all links, snappy)' },
    ],
  };
}
