/**
 * `maxConnections` under concurrent dials: one node with a cap calls `connect()` to more peers
 * than the cap, all at once. Goal: at most the cap are filed (dials in flight count against it),
 * and the cap is reached (the refused calls reject `LIMIT_EXCEEDED`).
 */
import { MeshSocket } from '@p2p/mesh';
import { Checks, type ScenarioResult } from '../report';

export async function concurrentConnects(options: { cap: number; connects: number }): Promise<ScenarioResult> {
  const checks = new Checks();
  const node = await MeshSocket.listen({ host: '127.0.0.1', maxOutgoing: 0, limits: { maxConnections: options.cap, maxPendingOutgoing: options.connects } });
  const peers = await Promise.all([...Array(options.connects)].map(() => MeshSocket.listen({ host: '127.0.0.1', maxOutgoing: 0 })));
  node.on('error', () => {});
  for (const p of peers) p.on('error', () => {});
  try {
    const outcomes = await Promise.allSettled(peers.map((p) => node.connect(...p.outAddr, { timeout: 10_000 })));
    const codes: Record<string, number> = {};
    for (const o of outcomes) {
      const code = o.status === 'fulfilled' ? 'ok' : ((o.reason as { code?: string }).code ?? 'other');
      codes[code] = (codes[code] ?? 0) + 1;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
    const filed = node.peers.size;
    checks.check(filed <= options.cap, `${filed} peers filed, over the cap of ${options.cap}`);
    checks.check(codes.ok === options.cap, `${codes.ok ?? 0} connects resolved, not the cap of ${options.cap}`);
    return checks.result('concurrent-connects', `${options.connects} concurrent connect() calls with maxConnections ${options.cap} file at most ${options.cap} peers`, {
      cap: options.cap,
      connects: options.connects,
      filed,
      outcomes: codes,
    });
  } finally {
    await Promise.all([node.destroy(), ...peers.map((p) => p.destroy())]);
  }
}
