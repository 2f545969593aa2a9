/**
 * Connection flood: hundreds of loopback sockets that never handshake, each re-opened as soon
 * as the node closes it. Goal: meanwhile a new peer joins the node and the node dials out (the
 * incoming handshakes have their own budget, per address and in all, and never-handshaken
 * connections are evicted first when a slot is needed).
 */
import { MeshSocket } from '@p2p/mesh';
import { Checks, type ScenarioResult } from '../report';
import { flood, outcome } from './admission-support';
import { until } from '../wait';

export async function connectionFlood(options: { sockets: number; floodMs: number }): Promise<ScenarioResult> {
  const checks = new Checks();
  // Every test peer is 127.0.0.1: the per-address budget is set to what one flooding host may hold.
  const limits = { maxPendingPerAddress: 16, maxConnectionsPerAddress: options.sockets * 2 };
  const target = await MeshSocket.listen({ host: '127.0.0.1', maxOutgoing: 0, limits });
  const joiner = await MeshSocket.listen({ host: '127.0.0.1', maxOutgoing: 0 });
  const remote = await MeshSocket.listen({ host: '127.0.0.1', maxOutgoing: 0 });
  const errors = new Map<string, number>();
  target.on('error', (e) => errors.set(e.code, (errors.get(e.code) ?? 0) + 1));
  joiner.on('error', () => {});
  remote.on('error', () => {});
  const attack = flood(target.outAddr[1], options.sockets);
  try {
    await new Promise((resolve) => setTimeout(resolve, options.floodMs));
    const pendingDuringFlood = target.pendingConnections.length;
    const join = await outcome(() => joiner.connect(...target.outAddr, { timeout: 5000 }));
    const dialOut = await outcome(() => target.connect(...remote.outAddr, { timeout: 5000 }));
    await new Promise((resolve) => setTimeout(resolve, options.floodMs));
    const joined = await until(() => target.peers.has(joiner.id) && target.peers.has(remote.id), 2000);
    const delivered = new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), 3000);
      remote.once('message', () => {
        clearTimeout(timer);
        resolve(true);
      });
    });
    joiner.send(['through the flood']);
    const crossed = await delivered;
    checks.check(join === 'ok', `a new peer could not join during the flood: ${join}`);
    checks.check(dialOut === 'ok', `the node could not dial out during the flood: ${dialOut}`);
    checks.check(joined, 'the joined peers were not both filed after the flood went on');
    checks.check(crossed, "a broadcast from the new peer did not reach the node's dialed peer");
    return checks.result('connection-flood', `a new peer joins and the node dials out while ${options.sockets} never-handshaking sockets are re-opened continuously`, {
      sockets: options.sockets,
      opened: attack.opened(),
      pendingDuringFlood,
      join,
      dialOut,
      crossed,
      refused: target.stats.refusedConnections,
      errors: Object.fromEntries(errors),
    });
  } finally {
    attack.stop();
    await Promise.all([target.destroy(), joiner.destroy(), remote.destroy()]);
  }
}
