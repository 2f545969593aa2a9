/**
 * One scenario, several transports: the same small mesh over real TCP and over the in-memory
 * hub from @p2p/base. Plus a tap transport that shows compression on the wire.
 */
import { describe, expect, it } from 'vitest';
import {
  CompressionFlags,
  FrameReader,
  MemoryHub,
  SubFlags,
  decodeFrameBody,
  memoryTransport,
  tcpTransport,
  type Transport,
} from '@p2p/base';
import { MeshSocket, type MeshSocketOptions } from '@p2p/mesh';
import { eventually, startTestnet, waitFor } from '@p2p/testnet';
import { nextMessage, node, track } from './helpers';
import { overriding, wrapConnections } from './wrap-transport';

/** Three nodes in a line: a broadcast crosses it, the far end replies through a route. */
async function lineScenario(optionsFor: (i: number) => MeshSocketOptions): Promise<void> {
  const net = track(await startTestnet({ count: 3, topology: 'line', start: (i) => MeshSocket.listen({ maxOutgoing: 0, ...optionsFor(i) }) }));
  const [a, b, c] = net.nodes as [MeshSocket, MeshSocket, MeshSocket];
  await eventually(() => expect(net.nodes.map((n) => n.peers.size)).toEqual([1, 2, 1]));
  const atC = nextMessage(c);
  a.send(['over the line', new Uint8Array([9])]);
  const m = await atC;
  expect(m.packets).toEqual([SubFlags.broadcast, 'over the line', new Uint8Array([9])]);
  expect(m.sender).toBe(a.id);
  const atA = nextMessage(a);
  await m.reply('back');
  expect((await atA).packets).toEqual([SubFlags.whisper, 'back']);
  expect(b.status).toBe('Nominal');
  await net.close();
  for (const n of net.nodes) expect(n.peers.size).toBe(0);
}

describe('the same scenario over several transports', () => {
  it('TCP', async () => {
    await lineScenario(() => ({}));
  });

  it('in-memory hub', async () => {
    const hub = new MemoryHub();
    await lineScenario((i) => ({ transport: memoryTransport(hub), host: `node-${i}` }));
    expect(hub.bytesDelivered).toBeGreaterThan(0);
  });
});

/** Wraps a transport so every written frame is recorded per connection. */
function tapTransport(inner: Transport, written: Uint8Array[][]): Transport {
  return wrapConnections(inner, (conn) => {
    const log: Uint8Array[] = [];
    written.push(log);
    return overriding(conn, {
      write: (data: Uint8Array) => {
        log.push(data.slice());
        return conn.write(data);
      },
    });
  });
}

function framesOf(chunks: Uint8Array[]): Uint8Array[] {
  const reader = new FrameReader();
  return chunks.flatMap((c) => reader.push(c));
}

describe('compression on the wire', () => {
  it('negotiates snappy between TS nodes: handshake raw, everything after compressed', async () => {
    const written: Uint8Array[][] = [];
    const a = await node({ transport: tapTransport(tcpTransport(), written) });
    const b = await node();
    await a.connect(...b.outAddr);
    const got = nextMessage(b);
    const text = 'compress me '.repeat(50);
    a.send([text]);
    await got;
    const bodies = framesOf(written[0]!);
    expect(bodies.length).toBeGreaterThanOrEqual(3);
    // The handshake is always raw (1.7.3).
    expect(decodeFrameBody(bodies[0]!, { candidates: [null] }).payload[0]).toBe(SubFlags.handshake);
    // Peers and the broadcast: snappy only, not decodable raw.
    for (const body of bodies.slice(1)) {
      expect(() => decodeFrameBody(body, { candidates: [null] })).toThrow();
      expect(decodeFrameBody(body, { candidates: [CompressionFlags.snappy] }).compression).toBe(CompressionFlags.snappy);
    }
    const last = bodies.at(-1)!;
    expect(last.length).toBeLessThan(text.length);
  });

  it('uses the best common method: gzip when one side offers only gzip', async () => {
    const written: Uint8Array[][] = [];
    const a = await node({ transport: tapTransport(tcpTransport(), written) });
    const b = await node({ compression: [CompressionFlags.gzip] });
    await a.connect(...b.outAddr);
    const got = nextMessage(b);
    a.send(['x'.repeat(300)]);
    expect((await got).packets[1]).toBe('x'.repeat(300));
    const last = framesOf(written[0]!).at(-1)!;
    expect([last[0], last[1]]).toEqual([0x1f, 0x8b]);
  });

  it('falls back to raw when the peer advertises nothing we support', async () => {
    const written: Uint8Array[][] = [];
    const a = await node({ transport: tapTransport(tcpTransport(), written) });
    const b = await node({ compression: [] });
    await a.connect(...b.outAddr);
    await waitFor(() => b.peers.size === 1);
    const got = nextMessage(b);
    a.send(['plain']);
    await got;
    for (const body of framesOf(written[0]!)) expect(() => decodeFrameBody(body, { candidates: [null] })).not.toThrow();
  });
});
