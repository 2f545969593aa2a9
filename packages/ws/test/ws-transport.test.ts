// 'ws' over real WebSockets on loopback: bytes both ways, js2p's framing both ways (one frame
// per binary message out; any cut of the byte stream across messages in), close, abort.
import { createHash } from 'node:crypto';
import * as net from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { FrameReader, MainFlags, SubFlags, decodeFrameBody, encodeFrame } from '@p2p/base';
import { wsTransport } from '../src/transport';
import { Harness, closed, readBytes, readUntil, upgradeRequest, waitFor } from './helpers';

const frameOf = (text: string): Uint8Array =>
  encodeFrame({ type: MainFlags.broadcast, sender: 'js2p', time: 1_500_000_000, payload: [SubFlags.broadcast, text] });

function texts(reader: FrameReader, chunk: Uint8Array): unknown[] {
  return reader.push(chunk).map((body) => decodeFrameBody(body).payload[1]);
}

let h: Harness;
afterEach(async () => h.close());

describe("wsTransport('ws')", () => {
  it('dials a listener and carries bytes both ways', async () => {
    h = new Harness();
    const probe = await h.listen(wsTransport('ws'));
    const out = await h.dial(wsTransport('ws'), probe.port, { timeout: 5_000 });
    const incoming = await probe.nextConnection();
    expect(out.info).toMatchObject({ encryption: 'ws', url: `ws://127.0.0.1:${probe.port}/` });
    expect(incoming.remote.host).toBe('127.0.0.1');
    expect(out.encrypted).toBe(false);
    out.write(frameOf('ping'));
    const got = await readBytes(incoming, frameOf('ping').length);
    expect(texts(new FrameReader(), got)).toEqual(['ping']);
    incoming.write(frameOf('pong'));
    expect(texts(new FrameReader(), await readBytes(out, frameOf('pong').length))).toEqual(['pong']);
  });

  it('sends each frame as one binary message, also when frames are written together (js2p reads either)', async () => {
    h = new Harness();
    const probe = await h.listen(wsTransport('ws'));
    const raw = await h.rawClient(`ws://127.0.0.1:${probe.port}`);
    const messages: Buffer[] = [];
    raw.on('message', (data: Buffer, isBinary: boolean) => isBinary && messages.push(data));
    const incoming = await probe.nextConnection();
    const a = frameOf('a');
    const b = frameOf('bb');
    incoming.write(Buffer.concat([a, b]));
    await waitFor(() => (messages.length === 2 ? true : undefined));
    expect(messages.map((m) => [...m])).toEqual([[...a], [...b]]);
  });

  it('the messages of one write leave together, in one system call, from either side', async () => {
    h = new Harness();
    const probe = await h.listen(wsTransport('ws'));
    const out = await h.dial(wsTransport('ws'), probe.port, { timeout: 5_000 });
    const incoming = await probe.nextConnection();
    const frames = Buffer.concat(Array.from({ length: 10 }, (_, i) => frameOf(`m${i}`)));
    for (const [from, to] of [
      [out, incoming],
      [incoming, out],
    ] as const) {
      // Uncorked, every message (header and payload) would be its own write to the OS.
      const socket = net.Socket.prototype as unknown as { _write: () => void; _writev: () => void };
      const writes = [vi.spyOn(socket, '_write'), vi.spyOn(socket, '_writev')];
      const got = readBytes(to, frames.length);
      from.write(frames);
      expect(texts(new FrameReader(), await got)).toHaveLength(10);
      expect(writes.map((w) => w.mock.calls.length)).toEqual([0, 1]);
      for (const w of writes) w.mockRestore();
    }
  });

  it('the messages of one read reach the link as one chunk, in order, and before the close that follows them', async () => {
    h = new Harness();
    const probe = await h.listen(wsTransport('ws'));
    const raw = await h.rawClient(`ws://127.0.0.1:${probe.port}`);
    const incoming = await probe.nextConnection();
    const chunks: Uint8Array[] = [];
    const events: string[] = [];
    incoming.on('data', (chunk) => (chunks.push(chunk), events.push('data')));
    incoming.on('close', () => events.push('close'));
    const frames = ['a', 'bb', 'ccc', 'dddd', 'eeeee'].map(frameOf);
    // One TCP write holding five messages, then the close handshake right behind them.
    const socket = (raw as unknown as { _socket: net.Socket })._socket;
    socket.cork();
    for (const frame of frames) raw.send(frame);
    socket.uncork();
    raw.close(1000);
    await closed(incoming);
    expect(events[events.length - 1]).toBe('close');
    expect(chunks.length).toBeLessThan(frames.length);
    expect(texts(new FrameReader(), Buffer.concat(chunks))).toEqual(['a', 'bb', 'ccc', 'dddd', 'eeeee']);
  });

  it('reads a js2p peer: one frame per message, a frame cut over messages, two frames in one message', async () => {
    h = new Harness();
    const probe = await h.listen(wsTransport('ws'));
    const raw = await h.rawClient(`ws://127.0.0.1:${probe.port}`);
    const incoming = await probe.nextConnection();
    const reader = new FrameReader();
    const seen: unknown[] = [];
    incoming.on('data', (chunk) => seen.push(...texts(reader, chunk)));
    const [one, two, three, four] = ['one', 'two', 'three', 'four'].map(frameOf) as [Uint8Array, Uint8Array, Uint8Array, Uint8Array];
    raw.send(one);
    raw.send(two.subarray(0, 3));
    raw.send(two.subarray(3, 10));
    raw.send(two.subarray(10));
    raw.send(Buffer.concat([three, four]));
    await waitFor(() => (seen.length === 4 ? true : undefined));
    expect(seen).toEqual(['one', 'two', 'three', 'four']);
  });

  it("is closed from the peer's close frame on, before its socket goes: a write then is refused, not lost unseen", async () => {
    h = new Harness();
    const probe = await h.listen(wsTransport('ws'));
    // A hand-driven peer that sends a close frame and then keeps its TCP side open.
    const raw = net.connect({ host: '127.0.0.1', port: probe.port, allowHalfOpen: true });
    h.track(raw);
    await new Promise((resolve) => raw.once('connect', resolve));
    raw.write(upgradeRequest(probe.port));
    await readUntil(raw, '\r\n\r\n');
    const incoming = await probe.nextConnection();
    let closeEvents = 0;
    incoming.on('close', () => closeEvents++);
    const mask = [1, 2, 3, 4];
    raw.write(Buffer.from([0x88, 0x82, ...mask, 0x03 ^ mask[0]!, 0xe8 ^ mask[1]!])); // close, 1000
    await readUntil(raw, '\x88'); // the closing handshake's answer
    expect(closeEvents).toBe(0);
    expect(incoming.closed).toBe(true);
    expect(incoming.write(frameOf('late'))).toBe(false);
    // And the socket goes within the 2 s grace of end(), not after `ws`'s own 30 s close timeout.
    const started = Date.now();
    await waitFor(() => (closeEvents === 1 ? true : undefined), 5_000);
    expect(Date.now() - started).toBeLessThan(4_000);
  });

  it("lets go of a server that sends its close frame and keeps TCP open, within end()'s 2 s grace", async () => {
    h = new Harness();
    // A hand-driven server: it completes the upgrade, sends a close frame and never closes TCP.
    const held: net.Socket[] = [];
    const server = net.createServer({ allowHalfOpen: true }, (socket) => {
      held.push(socket);
      socket.once('data', (request) => {
        const key = /Sec-WebSocket-Key: (\S+)/i.exec(request.toString('latin1'))![1]!;
        const accept = createHash('sha1').update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
        socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
        socket.on('data', () => {});
        setTimeout(() => socket.write(Buffer.from([0x88, 0x02, 0x03, 0xe8])), 50); // close, 1000
      });
    });
    h.defer(async () => {
      for (const socket of held) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as net.AddressInfo).port;
    const out = await h.dial(wsTransport('ws'), port, { timeout: 5_000 });
    let closeEvents = 0;
    out.on('close', () => closeEvents++);
    await waitFor(() => (out.closed ? true : undefined));
    const started = Date.now();
    expect(out.write(frameOf('late'))).toBe(false);
    await waitFor(() => (closeEvents === 1 ? true : undefined), 5_000);
    expect(Date.now() - started).toBeLessThan(4_000);
  });

  it('end() closes both sides cleanly; destroy() at once', async () => {
    h = new Harness();
    const probe = await h.listen(wsTransport('ws'));
    const out = await h.dial(wsTransport('ws'), probe.port);
    const incoming = await probe.nextConnection();
    out.end();
    expect(await closed(incoming)).toBeUndefined();
    expect(await closed(out)).toBeUndefined();
    const out2 = await h.dial(wsTransport('ws'), probe.port);
    const incoming2 = await probe.nextConnection();
    out2.destroy();
    await closed(incoming2);
    expect(out2.closed).toBe(true);
    expect(out2.write(frameOf('late'))).toBe(false);
  });

  it('rejects a refused dial with CONNECT_FAILED, an abort with ABORTED, a silent server with TIMEOUT', async () => {
    h = new Harness();
    const probe = await h.listen(wsTransport('ws'));
    const port = probe.port;
    await probe.listener.close();
    await expect(wsTransport('ws').dial({ host: '127.0.0.1', port })).rejects.toMatchObject({ code: 'CONNECT_FAILED' });
    const silent = await h.listen(wsTransport('ws', { upgradeTimeout: 60_000 }));
    // A TCP server that never answers the upgrade.
    const net = await import('node:net');
    const sockets: import('node:net').Socket[] = [];
    const server = net.createServer((s) => sockets.push(s));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const silentPort = (server.address() as import('node:net').AddressInfo).port;
    try {
      await expect(wsTransport('ws').dial({ host: '127.0.0.1', port: silentPort, timeout: 200 })).rejects.toMatchObject({ code: 'TIMEOUT' });
      const controller = new AbortController();
      const dial = wsTransport('ws').dial({ host: '127.0.0.1', port: silentPort, signal: controller.signal });
      controller.abort();
      await expect(dial).rejects.toMatchObject({ code: 'ABORTED' });
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise((r) => server.close(r));
    }
    expect(silent.errors).toEqual([]);
  });

  it('a dial answered 404 (another path) is CONNECT_FAILED with the status', async () => {
    h = new Harness();
    const probe = await h.listen(wsTransport('ws', { path: '/p2p' }));
    await expect(wsTransport('ws').dial({ host: '127.0.0.1', port: probe.port })).rejects.toMatchObject({
      code: 'CONNECT_FAILED',
      details: expect.objectContaining({ status: 404 }),
    });
    const ok = await h.dial(wsTransport('ws', { path: '/p2p' }), probe.port);
    expect(ok.info.url).toBe(`ws://127.0.0.1:${probe.port}/p2p`);
    await probe.nextError();
  });

  it('close() of the listener stops accepting and leaves open connections to their owner', async () => {
    h = new Harness();
    const probe = await h.listen(wsTransport('ws'));
    const out = await h.dial(wsTransport('ws'), probe.port);
    const incoming = await probe.nextConnection();
    const closing = probe.listener.close();
    await expect(wsTransport('ws').dial({ host: '127.0.0.1', port: probe.port, timeout: 2_000 })).rejects.toBeTruthy();
    out.write(frameOf('still'));
    await readBytes(incoming, frameOf('still').length);
    out.destroy();
    await closing;
  });
});
