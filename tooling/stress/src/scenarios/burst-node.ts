/**
 * One mesh node in its own process for the burst scenarios: it listens on 127.0.0.1 with the
 * limits in P2P_BURST_LIMITS (JSON), dials what the parent asks, sends an unpaced burst (one
 * synchronous loop) on request, and counts the burst messages it receives. IPC: `{ cmd, seq }`
 * in, `{ seq, ...answer }` out; the first message is `{ seq: 0, id, port, protocolId }`.
 */
import { MeshSocket } from '@p2p/mesh';

const limits = JSON.parse(process.env.P2P_BURST_LIMITS ?? '{}') as Record<string, number>;
const node = await MeshSocket.listen({ host: '127.0.0.1', maxOutgoing: 0, limits: { maxPeersPerList: 0, ...limits }, queueWhenListened: false });
const errors: Record<string, number> = {};
let received = 0;
let drains = 0;

node.on('error', (err) => {
  errors[err.code] = (errors[err.code] ?? 0) + 1;
});
node.on('drain', () => {
  drains++;
});
node.on('message', (m) => {
  if (m.packets[1] === 'burst') received++;
});

type Request = { seq: number } & ({ cmd: 'connect'; port: number } | { cmd: 'burst'; count: number; bytes: number } | { cmd: 'stats' } | { cmd: 'close' });

process.on('message', (req: Request) => {
  void (async () => {
    const answer = (r: Record<string, unknown>): void => void process.send?.({ seq: req.seq, ...r });
    try {
      switch (req.cmd) {
        case 'connect':
          await node.connect('127.0.0.1', req.port, { timeout: 10_000 });
          answer({});
          break;
        case 'burst': {
          // Random bytes: compression must not shrink the burst.
          const body = crypto.getRandomValues(new Uint8Array(req.bytes));
          let full = 0;
          const started = performance.now();
          // Unpaced: one synchronous loop, as a program that never looks at `full` would do.
          for (let i = 0; i < req.count; i++) if (node.send(['burst', i, body]).full) full++;
          answer({ full, loopMs: Math.round(performance.now() - started) });
          break;
        }
        case 'stats':
          answer({ received, errors: { ...errors }, peers: node.peers.size, drains, rss: process.memoryUsage().rss });
          break;
        case 'close':
          await node.destroy();
          answer({});
          process.disconnect?.();
          break;
      }
    } catch (err) {
      answer({ error: String(err) });
    }
  })();
});
process.on('disconnect', () => void node.destroy().finally(() => process.exit(0)));
process.send?.({ seq: 0, id: node.id, port: node.outAddr[1], protocolId: node.protocol.id });
