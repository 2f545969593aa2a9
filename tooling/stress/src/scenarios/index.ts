/** Every scenario, full and short size (the short ones run in `pnpm test`). */
import type { ScenarioResult } from '../report';
import { amplification } from './amplification';
import { chordConsecutiveLoss } from './chord-consecutive-loss';
import { concurrentConnects } from './concurrent-connects';
import { connectionFlood } from './connection-flood';
import { decodeCost } from './decode-cost';
import { fuzz } from './fuzz';
import { idTakeover } from './id-takeover';
import { idleSocketExhaustion } from './idle-sockets';
import { leaseForging } from './lease-forging';
import { syncPartition } from './sync-partition';
import { burstProcesses, slowReader } from './unpaced-burst';

export type Size = 'full' | 'short';
export interface Overrides {
  frames?: number | undefined;
}

const full = (size: Size): boolean => size === 'full';

export const SCENARIOS: Record<string, (size: Size, overrides?: Overrides) => Promise<ScenarioResult>> = {
  'decode-cost': async (size) => decodeCost({ count: full(size) ? 16 * 1024 * 1024 - 64 : 1024 * 1024, unbounded: full(size) }),
  fuzz: (size, o) => fuzz({ frames: o?.frames ?? (full(size) ? 1_000_000 : 20_000) }),
  amplification: (size) => amplification(full(size) ? { scale: 1, repeats: 6 } : { scale: 1 / 4, repeats: 2 }),
  'sync-partition-leasing-off': (size) => syncPartition({ leasing: false, writes: full(size) ? 500 : 100, conflicts: full(size) ? 50 : 20 }),
  'sync-partition-leasing-on': (size) => syncPartition({ leasing: true, writes: full(size) ? 500 : 100, conflicts: full(size) ? 50 : 20 }),
  'lease-forging': (size) => leaseForging({ keys: full(size) ? 200 : 20 }),
  'id-takeover': (size) => idTakeover(full(size) ? { trials: 16, quietMs: 2_500 } : { trials: 4, quietMs: 2_500 }),
  'chord-consecutive-loss': (size) => chordConsecutiveLoss(full(size) ? { nodes: 16, keys: 500, killed: 4, positions: 4 } : { nodes: 12, keys: 150, killed: 4, positions: 1 }),
  'connection-flood': (size) => connectionFlood(full(size) ? { sockets: 512, floodMs: 3000 } : { sockets: 128, floodMs: 500 }),
  'idle-sockets': (size) => idleSocketExhaustion(full(size) ? { sockets: 256, idleMs: 2000 } : { sockets: 64, idleMs: 500 }),
  'concurrent-connects': (size) => concurrentConnects(full(size) ? { cap: 64, connects: 100 } : { cap: 8, connects: 16 }),
  'slow-reader': (size) => slowReader(full(size) ? { count: 200_000, slowPeerTimeout: 10_000 } : { count: 20_000, slowPeerTimeout: 1_000 }),
  'burst-processes': (size) => burstProcesses(full(size) ? { count: 40_000, nodes: 8 } : { count: 2_000, nodes: 8 }),
};
