/** Sync's series in the socket's metrics (README, "Metrics"): writes refused by a lease, and forged writes refused in authenticated subnets. */
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

export interface SignatureRefusals {
  /** A live store or delete (or any delta) whose owner proof failed, in an authenticated subnet. */
  readonly live: CounterSeries;
  /** A replayed store or delete whose owner proof failed. */
  readonly replay: CounterSeries;
}

export function signatureRefusals(registry: MetricsRegistry): SignatureRefusals {
  const counter = registry.counter(
    'p2p_sync_signature_refusals_total',
    'Writes refused in an authenticated subnet because they do not carry their owner\'s valid signature, by origin',
    ['origin'],
  );
  return { live: counter.series('live'), replay: counter.series('replay') };
}
