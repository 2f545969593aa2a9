/**
 * A node under attack, in its own process: a MeshSocket (or SyncSocket) on 127.0.0.1 that
 * answers the parent over IPC with its memory (RSS, heap, the heap's peak sampled every 20 ms),
 * its peers and the error codes it reported. Started by `child.ts`; `--expose-gc` lets the
 * parent ask for a collection before reading memory.
 */
import { MeshSocket, type MeshConnection } from '@p2p/mesh';
import { SyncSocket } from '@p2p/sync';
import type { TargetReply, TargetRequest, TargetStats } from './target-protocol';

const kind = process.env.P2P_STRESS_KIND === 'sync' ? 'sync' : 'mesh';
const node: MeshSocket = kind === 'sync' ? await SyncSocket.listen({ host: '127.0.0.1', leasing: false }) : await MeshSocket.listen({ host: '127.0.0.1' });
const errors: Record<string, number> = {};
let messages = 0;
let peakHeap = process.memoryUsage().heapUsed;

node.on('error', (err) => {
  errors[err.code] = (errors[err.code] ?? 0) + 1;
});
node.on('message', () => {
  messages++;
});
// Drain the receive queue as an application would.
const drain = setInterval(() => {
  while (node.recv() !== undefined);
}, 50);
const sampler = setInterval(() => {
  peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
}, 20);

function stats(): TargetStats {
  const m = process.memoryUsage();
  peakHeap = Math.max(peakHeap, m.heapUsed);
  return { rss: m.rss, heapUsed: m.heapUsed, heapTotal: m.heapTotal, external: m.external, peakHeap, peers: [...node.peers.keys()], errors: { ...errors }, messages };
}

function reply(r: TargetReply): void {
  process.send?.(r);
}

process.on('message', (req: TargetRequest) => {
  void (async () => {
    switch (req.cmd) {
      case 'stats':
        reply({ seq: req.seq, stats: stats() });
        break;
      case 'gc':
        (globalThis as { gc?: () => void }).gc?.();
        peakHeap = process.memoryUsage().heapUsed;
        reply({ seq: req.seq, stats: stats() });
        break;
      case 'connect':
        try {
          await node.connect(req.host, req.port, { timeout: 5000 });
          reply({ seq: req.seq, stats: stats() });
        } catch (err) {
          reply({ seq: req.seq, error: String(err) });
        }
        break;
      case 'close':
        clearInterval(drain);
        clearInterval(sampler);
        await node.close();
        reply({ seq: req.seq, stats: stats() });
        process.disconnect?.();
        break;
    }
  })();
});
process.on('disconnect', () => {
  clearInterval(drain);
  clearInterval(sampler);
  void node.destroy().finally(() => process.exit(0));
});

const ready: TargetReply = { seq: 0, ready: { id: node.id, port: node.outAddr[1], protocolId: node.protocol.id } };
reply(ready);
export type { MeshConnection };
