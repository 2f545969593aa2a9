import { describe, expect, it } from 'vitest';
import { MetricsRegistry, systemClock, type P2PError } from '@p2p/base';
import type { MeshConnection } from '@p2p/mesh';
import type { ChordContext } from '../src/context';
import { Lookups } from '../src/lookups';
import { RingKeyCodec } from '../src/ring-key-codec';

/** A Lookups table of `max` entries whose retrieves go nowhere (its policy only, no network). */
function table(max: number): Lookups {
  const ctx = {
    settings: { maxPendingLookups: max, hedgeDelay: 0 },
    host: { clock: systemClock, metrics: new MetricsRegistry({ now: () => Date.now() }), sendTo: () => undefined },
    keys: new RingKeyCodec(),
  } as unknown as ChordContext;
  return new Lookups(ctx);
}

const conn = {} as MeshConnection;
const requester = { connection: {} as MeshConnection, method: 'sha1', key: 'x' };

describe('pending-lookup eviction', () => {
  it('a full table evicts its oldest entry no own read waits on, never a read', () => {
    const t = table(3);
    try {
      t.ask(conn, 'sha1', 1n, 10_000, () => undefined); // a read
      t.ask(conn, 'sha1', 2n, 10_000, () => undefined, undefined, 'repair');
      t.ask(conn, 'sha1', 3n, 10_000, undefined, requester); // a peer's request
      t.ask(conn, 'sha1', 4n, 10_000, () => undefined); // takes the repair probe's place
      expect(t.evicted).toBe(1);
      t.ask(conn, 'sha1', 5n, 10_000, () => undefined); // takes the peer request's place
      expect(t.evicted).toBe(2);
      expect(t.size).toBe(3);
      // Three reads: the newest is refused, the older ones stay.
      expect(() => t.ask(conn, 'sha1', 6n, 10_000, () => undefined)).toThrow(expect.objectContaining({ code: 'LIMIT_EXCEEDED' }) as unknown as P2PError);
      expect(t.size).toBe(3);
      expect(t.evicted).toBe(2);
    } finally {
      t.clear();
    }
  });

  it('a repair probe takes the place of another probe only', () => {
    const t = table(2);
    try {
      t.ask(conn, 'sha1', 1n, 10_000, undefined, requester);
      t.ask(conn, 'sha1', 2n, 10_000, () => undefined, undefined, 'repair');
      t.ask(conn, 'sha1', 3n, 10_000, () => undefined, undefined, 'repair'); // evicts probe 2
      expect(t.evicted).toBe(1);
      const release = t.ask(conn, 'sha1', 4n, 10_000, () => undefined); // a read evicts the peer's request
      expect(t.evicted).toBe(2);
      expect(() => t.ask(conn, 'sha1', 5n, 10_000, () => undefined, undefined, 'repair')).not.toThrow(); // evicts probe 3
      expect(() => t.ask(conn, 'sha1', 6n, 10_000, undefined, requester)).not.toThrow(); // evicts probe 5
      // Read and peer request: a probe finds no room.
      expect(() => t.ask(conn, 'sha1', 7n, 10_000, () => undefined, undefined, 'repair')).toThrow(expect.objectContaining({ code: 'LIMIT_EXCEEDED' }) as unknown as P2PError);
      // A released read leaves; its place is free again.
      release();
      expect(t.size).toBe(1);
    } finally {
      t.clear();
    }
  });
});
