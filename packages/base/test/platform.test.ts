// Runs in both vitest projects: checks that each one really got its platform, and what the
// browser entry does differently (no TCP, loopback lanAddress, bounded fflate inflate).
import { deflateSync, gzipSync } from 'node:zlib';
import { Gunzip, Unzlib } from 'fflate';
import { afterEach, describe, expect, it, vi } from 'vitest';
import * as platformSeam from '#platform';
import * as nodePlatform from '../src/platform/node';
import * as browserPlatform from '../src/platform/browser';
import { unzip } from '../src/platform/bounded-inflate';
import { OutputLimitError } from '../src/platform/output-limit';
import * as entry from '../src/browser';
import * as nodeEntry from '../src/index';
import { toHex, utf8Encode } from '../src/bytes';
import { codeOf, prng, randomBytes } from './helpers';

const expected = process.env.P2P_EXPECT_PLATFORM;

describe('platform seam', () => {
  it(`resolves #platform to the ${expected ?? '?'} implementation`, () => {
    expect(platformSeam.platform).toBe(expected);
  });

  it('both platforms export the same names, and both entries the same API', () => {
    expect(Object.keys(browserPlatform).sort()).toEqual(Object.keys(nodePlatform).sort());
    expect(Object.keys(entry).sort()).toEqual(Object.keys(nodeEntry).sort());
  });

  it('digests and UUIDs agree between the platforms', () => {
    const rand = prng(11);
    for (const size of [0, 1, 55, 56, 64, 1000, 70_000]) {
      const data = randomBytes(rand, size);
      for (const name of ['sha1', 'sha224', 'sha256', 'sha384', 'sha512'] as const) {
        const out = browserPlatform[name](data);
        expect(out).toBeInstanceOf(Uint8Array);
        expect(toHex(out)).toBe(toHex(nodePlatform[name](data)));
      }
    }
    const uuid4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
    expect(browserPlatform.randomUuid()).toMatch(uuid4);
    expect(browserPlatform.randomUuid()).not.toBe(browserPlatform.randomUuid());
  });

  it('sha256Into and sha256Matches agree with sha256 on both platforms', () => {
    const rand = prng(12);
    for (const size of [0, 1, 100, 1000, 70_000]) {
      const data = randomBytes(rand, size);
      const digest = nodePlatform.sha256(data);
      for (const p of [nodePlatform, browserPlatform]) {
        const out = new Uint8Array(40).fill(0xaa);
        p.sha256Into(data, out, 5);
        expect(toHex(out)).toBe('aa'.repeat(5) + toHex(digest) + 'aa'.repeat(3));
        expect(p.sha256Matches(data, out, 5)).toBe(true);
        expect(p.sha256Matches(data, out, 4)).toBe(false);
        for (const at of [5, 20, 36]) {
          const wrong = out.slice();
          wrong[at]! ^= 1;
          expect(p.sha256Matches(data, wrong, 5)).toBe(false);
        }
      }
    }
  });

  it('each platform inflates what the other compresses, under both flags', () => {
    const data = utf8Encode('hello hello hello '.repeat(500));
    for (const a of [nodePlatform, browserPlatform]) {
      for (const b of [nodePlatform, browserPlatform]) {
        expect(b.unzip(a.zlibCompress(data), data.length)).toEqual(data);
        expect(b.unzip(a.gzipCompress(data), data.length)).toEqual(data);
      }
    }
    expect(toHex(browserPlatform.zlibCompress(data)).slice(0, 4)).toBe('789c');
    // mtime 0: deterministic output, as node:zlib's
    expect(toHex(browserPlatform.gzipCompress(data))).toBe(toHex(browserPlatform.gzipCompress(data)));
  });
});

describe('browser entry', () => {
  it("has no built-in 'Plaintext': TRANSPORT_NOT_FOUND asks for a WebSocket transport", () => {
    if (expected !== 'browser') return;
    expect(entry.hasTransport('Plaintext')).toBe(false);
    expect(entry.registeredEncryptions()).not.toContain('Plaintext');
    expect(codeOf(() => entry.createTransport('Plaintext'))).toBe('TRANSPORT_NOT_FOUND');
    expect(() => entry.createTransport('Plaintext')).toThrow(/'ws'.*@p2p\/ws/);
    expect(() => entry.createTransport('ws')).toThrow(/@p2p\/ws/);
    expect(() => entry.createTransport('SSL')).toThrow(/@p2p\/ssl/);
    const hub = new entry.MemoryHub();
    entry.registerTransport('Plaintext', () => entry.memoryTransport(hub));
    try {
      expect(entry.createTransport('Plaintext').encryption).toBe('Plaintext');
    } finally {
      entry.unregisterTransport('Plaintext');
    }
  });

  it('lanAddress() is loopback and the TCP helpers fail typed', async () => {
    expect(browserPlatform.lanAddress()).toBe('127.0.0.1');
    expect(codeOf(() => browserPlatform.tcpTransport())).toBe('TRANSPORT_NOT_FOUND');
    expect(codeOf(() => new browserPlatform.NetSocketConnection(null as never))).toBe('TRANSPORT_NOT_FOUND');
    await expect(browserPlatform.dialNetSocket({ host: 'h', port: 1 }, null as never, 'connect', null as never)).rejects.toMatchObject({ code: 'TRANSPORT_NOT_FOUND' });
    await expect(browserPlatform.listenNetServer(null as never, null as never)).rejects.toMatchObject({ code: 'TRANSPORT_NOT_FOUND' });
    if (expected === 'browser') expect(entry.lanAddress()).toBe('127.0.0.1');
  });
});

describe('bounded inflate (browser zlib/gzip)', () => {
  afterEach(() => vi.restoreAllMocks());

  it('stops a decompression bomb while inflating, not after', () => {
    // 64 MiB of zeros in ~64 KiB: fed in 512-byte slices, the cap must trip within a few.
    const bomb = deflateSync(new Uint8Array(64 << 20), { level: 9 });
    const gzBomb = gzipSync(new Uint8Array(64 << 20), { level: 9 });
    for (const [stream, packed] of [[Unzlib, bomb], [Gunzip, gzBomb]] as const) {
      const push = vi.spyOn(stream.prototype, 'push');
      expect(() => unzip(packed, 1 << 20)).toThrow(OutputLimitError);
      expect(push.mock.calls.length).toBeLessThan(8);
      expect(packed.length / 512).toBeGreaterThan(100);
      push.mockRestore();
    }
  });

  it('the cap is exact: max bytes pass, one more fails', () => {
    const data = new Uint8Array(100_000).fill(1);
    for (const packed of [deflateSync(data), gzipSync(data), browserPlatform.zlibCompress(data), browserPlatform.gzipCompress(data)]) {
      expect(unzip(packed, 100_000)).toHaveLength(100_000);
      expect(() => unzip(packed, 99_999)).toThrow(OutputLimitError);
    }
  });

  it('rejects bad checksums, truncation, trailing-less and empty input', () => {
    const data = utf8Encode('checksummed '.repeat(50));
    const z = deflateSync(data);
    const g = gzipSync(data);
    const flipLast = (b: Uint8Array, back: number) => {
      const c = b.slice();
      c[c.length - back] = c[c.length - back]! ^ 1;
      return c;
    };
    expect(() => unzip(flipLast(z, 1), 10_000)).toThrow(/checksum/); // adler32
    expect(() => unzip(flipLast(g, 5), 10_000)).toThrow(/checksum/); // crc32
    expect(() => unzip(flipLast(g, 1), 10_000)).toThrow(/checksum/); // isize
    for (const packed of [z, g]) {
      for (const cut of [1, 4, 8, packed.length - 2]) expect(() => unzip(packed.subarray(0, packed.length - cut), 10_000)).toThrow();
    }
    expect(() => unzip(new Uint8Array(0), 10)).toThrow();
    expect(() => unzip(Uint8Array.of(0x78, 0x9c), 10)).toThrow();
  });
});
