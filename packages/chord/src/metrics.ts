/**
 * Chord's series in the socket's metrics (README, "Metrics"): lookups by who asked and how they
 * were served, and hops. A retrieve carries no hop count on the wire (PROTOCOL.md 6.4), so each
 * node counts the hops it adds: a peer's retrieve it forwards to a node closer to the key is one
 * hop. Summed over a ring, hops divided by remote lookups is the mean path length past the first.
 */
import type { CounterSeries, MetricsRegistry } from '@p2p/base';

export interface LookupMetrics {
  /** This node's own lookup, answered from its tables. */
  readonly selfLocal: CounterSeries;
  /** This node's own lookup, sent to the responsible node. */
  readonly selfRemote: CounterSeries;
  /** A peer's retrieve, answered from here. */
  readonly peerLocal: CounterSeries;
  /** A peer's retrieve, forwarded: one hop. */
  readonly peerForwarded: CounterSeries;
  readonly hops: CounterSeries;
}

export function lookupMetrics(registry: MetricsRegistry, state: { readonly size: number; readonly evicted: number }): LookupMetrics {
  const lookups = registry.counter('p2p_chord_lookups_total', 'Key lookups, by origin (self, peer) and how they were served (local, remote)', ['origin', 'result']);
  registry.gauge('p2p_chord_pending_lookups', 'Retrievals waiting for an answer', [], (report) => report(state.size));
  registry.counter('p2p_chord_lookups_evicted_total', 'Pending retrievals dropped early because the table was full', [], (report) => report(state.evicted));
  return {
    selfLocal: lookups.series('self', 'local'),
    selfRemote: lookups.series('self', 'remote'),
    peerLocal: lookups.series('peer', 'local'),
    peerForwarded: lookups.series('peer', 'remote'),
    hops: registry.counter('p2p_chord_lookup_hops_total', "Peers' retrieves this node forwarded toward the responsible node (one hop each)").series(),
  };
}

/** Why a record write or answer was refused (README, "Signed records"). */
export type RecordRefusal = 'malformed' | 'signature' | 'location' | 'unsigned' | 'stale';
/** Where it was refused: a received store, backup or retrieved answer, a local write, or a record read. */
export type RecordVia = 'store' | 'backup' | 'answer' | 'local' | 'read';

/** `p2p_chord_records_refused_total{reason, via}`; series resolved on first use (refusals are rare). */
export function recordMetrics(registry: MetricsRegistry): (reason: RecordRefusal, via: RecordVia) => void {
  const refused = registry.counter('p2p_chord_records_refused_total', 'Signed-record writes and answers refused, by reason and where', ['reason', 'via']);
  return (reason, via) => refused.series(reason, via).inc();
}
