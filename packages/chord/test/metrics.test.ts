import { describe, expect, it } from 'vitest';
import { renderPrometheus, type MetricsSnapshot } from '@p2p/base';
import { eventually } from '@p2p/testnet';
import { ring } from './helpers';

function lookups(snap: MetricsSnapshot, origin: string, result: string): number {
  const metric = snap.metrics.find((m) => m.name === 'p2p_chord_lookups_total');
  if (!metric || metric.kind === 'histogram') return 0;
  return metric.series.find((s) => s.labels['origin'] === origin && s.labels['result'] === result)?.value ?? 0;
}

function counter(snap: MetricsSnapshot, name: string): number {
  const metric = snap.metrics.find((m) => m.name === name);
  return metric && metric.kind !== 'histogram' ? (metric.series[0]?.value ?? 0) : 0;
}

describe('chord metrics', () => {
  it('counts lookups by origin and result, and the retrieves each node serves or forwards', async () => {
    const nodes = await ring(4);
    await nodes[0]!.set('metric key', 'value');
    for (const n of nodes) expect(await n.get('metric key')).toBe('value');

    // A get() settles on 3 of 5 answers; the other retrieves may still be on their way.
    let snaps: MetricsSnapshot[] = [];
    const sum = (f: (s: MetricsSnapshot) => number): number => snaps.reduce((x, s) => x + f(s), 0);
    await eventually(() => {
      snaps = nodes.map((n) => n.metrics());
      // Every get() looks the key up in three of the five tables at least (PROTOCOL.md 6.4, 6.5),
      // locally or remotely, and in the other two when those do not agree or are slow.
      const own = sum((s) => lookups(s, 'self', 'local') + lookups(s, 'self', 'remote'));
      expect(own).toBeGreaterThanOrEqual(3 * nodes.length);
      expect(own).toBeLessThanOrEqual(5 * nodes.length);
      const remote = sum((s) => lookups(s, 'self', 'remote'));
      expect(remote).toBeGreaterThan(0);
      // Each remote lookup sends one retrieve, and each hop one more: peers serve at least that many.
      const served = sum((s) => lookups(s, 'peer', 'local') + lookups(s, 'peer', 'remote'));
      expect(served).toBeGreaterThanOrEqual(remote + sum((s) => counter(s, 'p2p_chord_lookup_hops_total')));
      expect(sum((s) => counter(s, 'p2p_chord_lookup_hops_total'))).toBe(sum((s) => lookups(s, 'peer', 'remote')));
    });

    // A node whose own tables agreed on the key received no retrieved: read the text of all four.
    const text = snaps.map((s) => renderPrometheus(s)).join('\n');
    expect(text).toMatch(/^p2p_chord_lookups_total\{origin="self",result="(local|remote)"\} \d+$/m);
    expect(text).toMatch(/^p2p_chord_pending_lookups \d+$/m);
    expect(text).toMatch(/^p2p_messages_received_total\{flag="whisper",type="retrieved"\} \d+$/m);
  });
});
