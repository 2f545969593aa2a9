/**
 * Idle-socket exhaustion: sockets that handshake once and then send nothing fill the node's
 * connection cap. Goal: after they have been idle longer than `limits.evictIdleAfter`, a new peer
 * still joins and the node still dials out (an idle incoming connection is evicted for each).
 */
import { MeshSocket } from '@p2p/mesh';
import { Checks, type ScenarioResult } from '../report';
import { idleSockets, outcome } from './admission-support';
import { until } from '../wait';

export async function idleSocketExhaustion(options: { sockets: number; idleMs: number }): Promise<ScenarioResult> {
  const checks = new Checks();
  // Every test peer is 127.0.0.1: the per-address cap is lifted so the idle sockets can fill the table.
  const limits = { maxConnections: options.sockets, maxConnectionsPerAddress: options.sockets * 2, maxPendingPerAddress: options.sockets, evictIdleAfter: options.idleMs };
  const target = await MeshSocket.listen({ host: '127.0.0.1', maxOutgoing: 0, limits, liveness: false });
  const joiner = await MeshSocket.listen({ host: '127.0.0.1', maxOutgoing: 0 });
  const remote = await MeshSocket.listen({ host: '127.0.0.1', maxOutgoing: 0 });
  for (const s of [target, joiner, remote]) s.on('error', () => {});
  const sockets = await idleSockets(target.outAddr[1], target.protocol.id, options.sockets);
  try {
    const filled = await until(() => target.peers.size === options.sockets, 10_000);
    const filedIdle = target.peers.size;
    await new Promise((resolve) => setTimeout(resolve, options.idleMs + 200));
    const join = await outcome(() => joiner.connect(...target.outAddr, { timeout: 5000 }));
    const dialOut = await outcome(() => target.connect(...remote.outAddr, { timeout: 5000 }));
    const both = await until(() => target.peers.has(joiner.id) && target.peers.has(remote.id), 2000);
    checks.check(filled, `the idle sockets did not fill the table (${filedIdle} of ${options.sockets} filed)`);
    checks.check(join === 'ok', `a new peer could not join with ${options.sockets} idle sockets open: ${join}`);
    checks.check(dialOut === 'ok', `the node could not dial out with ${options.sockets} idle sockets open: ${dialOut}`);
    checks.check(both, 'the new peer and the dialed one were not both filed');
    checks.check(target.peers.size <= options.sockets, `the table holds ${target.peers.size} peers, over its cap of ${options.sockets}`);
    return checks.result('idle-sockets', `with ${options.sockets} idle handshaken sockets filling maxConnections, a new peer joins and the node dials out`, {
      sockets: options.sockets,
      filedIdle,
      join,
      dialOut,
      peersAfter: target.peers.size,
      refused: target.stats.refusedConnections,
    });
  } finally {
    for (const s of sockets) s.destroy();
    await Promise.all([target.destroy(), joiner.destroy(), remote.destroy()]);
  }
}
