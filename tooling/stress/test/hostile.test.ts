/** The frame generators are deterministic and produce what they claim. */
import { describe, expect, it } from 'vitest';
import { CompressionFlags, decodeFrame, isP2PError } from '@p2p/base';
import { emptyMapsBomb, fatalFrame, manyElementsPacket, prng, randomPacketFrame } from '../src/hostile';

describe('hostile frames', () => {
  it('are the same for the same seed', () => {
    const a = prng(7);
    const b = prng(7);
    for (let i = 0; i < 20; i++) expect(randomPacketFrame(a, 1_800_000_000)).toEqual(randomPacketFrame(b, 1_800_000_000));
  });

  it('random packets are well-formed frames', () => {
    const r = prng(3);
    for (let i = 0; i < 200; i++) {
      const wire = decodeFrame(randomPacketFrame(r), { candidates: [null, CompressionFlags.zlib, CompressionFlags.gzip, CompressionFlags.snappy] });
      expect(wire.payload.length).toBeGreaterThan(0);
    }
  });

  it('the bomb is ~16 KB of zlib, and every fatal frame is refused by the decoder', () => {
    const bomb = emptyMapsBomb();
    expect(bomb.length).toBeLessThan(20_000);
    expect(manyElementsPacket(10, 0x80).length).toBeGreaterThan(10);
    const r = prng(5);
    for (let i = 0; i < 100; i++) {
      const frame = fatalFrame(r, [bomb]);
      let refused = false;
      try {
        decodeFrame(frame, { candidates: [null, CompressionFlags.zlib, CompressionFlags.gzip] });
      } catch (err) {
        refused = isP2PError(err);
      }
      expect(refused).toBe(true);
    }
  });
});
