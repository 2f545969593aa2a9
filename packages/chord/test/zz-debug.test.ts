import { it } from 'vitest';
import { HASH_METHODS, getHashes } from '@p2p/chord';
import { ring } from './helpers';

it('debug', async () => {
  const nodes = await ring(16, { republishInterval: 1000, fullRepairEvery: 1 });
  const keys = Array.from({ length: 400 }, (_, i) => `churn-${i}`);
  keys.forEach((k, i) => nodes[i % 16]!.set(k, { v: 1, i }));
  const total = () => nodes.reduce((s, n) => s + n.storedEntries, 0);
  for (let t = 0; t < 8; t++) { await new Promise((r) => setTimeout(r, 1000)); console.log('T', t, total()); }
  const sorted = [...nodes].sort((a, b) => (a.idInt < b.idInt ? -1 : 1));
  const held = (n: any, m: string, k: bigint) => n.dumpData(1n, 0n)[m].has(k) || n.dumpData(0n, 1n)[m].has(k);
  let shown = 0;
  for (const k of keys) {
    const hs = getHashes(k);
    const holders = HASH_METHODS.map((m, i) => sorted.map((n, j) => (held(n, m, hs[i]!) ? j : -1)).filter((j) => j >= 0));
    if (holders.some((h) => h.length !== 1) && shown++ < 8) {
      console.log('KEY', k, JSON.stringify(holders), 'findviews', HASH_METHODS.map((m, i) => sorted.map((n) => { const f = n.find(hs[i]!); return f === n ? 'S' : sorted.findIndex((s) => s.id === (f as any)?.peerId); }).join(',')).join(' | '));
    }
  }
}, 30000);
