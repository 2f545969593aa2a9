/** Sync's series in the socket's metrics (README, "Metrics"): writes refused by a lease. */
import type { CounterSeries, MetricsRegistry } from '@p2p/base';

export interface LeaseRefusals {
  /** A `set`/`update`/`delete`/`popItem` of this node refused with `LEASE_HELD`. */
  readonly local: CounterSeries;
  /** A received store, delta or delete ignored because another node holds the key (PROTOCOL.md 5.2). */
  readonly peer: CounterSeries;
}

export function leaseRefusals(registry: MetricsRegistry): LeaseRefusals {
  const counter = registry.counter('p2p_sync_lease_refusals_total', 'Writes refused because another node holds the key, by origin', ['origin']);
  return { local: counter.series('local'), peer: counter.series('peer') };
}
