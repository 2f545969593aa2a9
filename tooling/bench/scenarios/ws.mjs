// Scenario "ws": the mesh scenario's network (8 nodes, degree 4, one node broadcasts N small
// messages) in the same process with the same N, alternating plain TCP and WebSocket rounds
// (@p2p/ws in Node, over the `ws` package; each frame one binary message, as js2p sends).
// The upgrades happen while the network forms, before the clock starts: this measures
// steady-state throughput, the cost of WebSocket framing on every link.
import { wsTransport } from '@p2p/ws';
import { alternatingRounds, roundRows } from './rounds.mjs';

export const name = 'ws';
export const description = 'mesh throughput over WebSocket beside TCP: 8 nodes (each dials i+1 and i+3 mod 8), one broadcasts N small messages';

/** Messages per round when -n is not given. */
const DEFAULT_MESSAGES = 2_000;

/** This scenario alternates its own rounds (`runs` of them): the runner calls it once. */
export const repeats = false;

const WS = { encryption: 'ws', transport: () => wsTransport('ws') };

export async function run({ messages = DEFAULT_MESSAGES, runs: ROUNDS = 3 }) {
  const rounds = await alternatingRounds(messages, ROUNDS, WS);
  const { base: tcp, variant: ws, baseRuns: tcpRuns, variantRuns: wsRuns } = rounds;
  return {
    messages,
    rounds: ROUNDS,
    tcp,
    ws,
    tcpRuns,
    wsRuns,
    results: [
      ...roundRows({ messages, rounds: ROUNDS, names: ['TCP', 'WebSocket'], ...rounds }),
      { label: 'frame bytes per message (both, before WebSocket framing)', value: Math.round(ws.bytesPerMessage), unit: 'B (all links, snappy)' },
    ],
  };
}
