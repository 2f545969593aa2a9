// Every way a peer can break the WebSocket rules: the offender is dropped with WEBSOCKET_ERROR
// (its reason in details), reported to the listener's onError, and a well-behaved connection
// on the same listener keeps working.
import { afterEach, describe, expect, it } from 'vitest';
import { MainFlags, SubFlags, encodeFrame, type TransportConnection } from '@p2p/base';
import { wsTransport } from '../src/transport';
import { Harness, closed, gone, readBytes, readUntil, upgradeRequest, type ListenerProbe } from './helpers';

const frame = encodeFrame({ type: MainFlags.broadcast, sender: 'ok', time: 1_500_000_000, payload: [SubFlags.broadcast, 'fine'] });

let h: Harness;
afterEach(async () => h.close());

/** A listener with one good connection already carrying bytes. */
async function withBystander(options: Parameters<typeof wsTransport>[1] = {}): Promise<{ probe: ListenerProbe; good: TransportConnection; goodIn: TransportConnection }> {
  h = new Harness();
  const probe = await h.listen(wsTransport('ws', options));
  const good = await h.dial(wsTransport('ws'), probe.port);
  const goodIn = await probe.nextConnection();
  return { probe, good, goodIn };
}

async function stillWorks(good: TransportConnection, goodIn: TransportConnection): Promise<void> {
  expect(good.closed).toBe(false);
  good.write(frame);
  expect([...(await readBytes(goodIn, frame.length))]).toEqual([...frame]);
}

describe('bad input on a ws listener', () => {
  it('a text message drops that connection (TEXT_MESSAGE)', async () => {
    const { probe, good, goodIn } = await withBystander();
    const raw = await h.rawClient(`ws://127.0.0.1:${probe.port}`);
    const offender = await probe.nextConnection();
    raw.send('hello as text');
    const error = await closed(offender);
    expect(error).toMatchObject({ code: 'WEBSOCKET_ERROR', details: expect.objectContaining({ reason: 'TEXT_MESSAGE' }) });
    expect((await probe.nextError()).error).toBe(error);
    await gone(raw);
    await stillWorks(good, goodIn);
  });

  it('a message over maxPayload drops that connection before it is buffered (MESSAGE_TOO_LARGE)', async () => {
    const { probe, good, goodIn } = await withBystander({ maxPayload: 1024 });
    const raw = await h.rawClient(`ws://127.0.0.1:${probe.port}`);
    const offender = await probe.nextConnection();
    raw.send(new Uint8Array(4096));
    const error = await closed(offender);
    expect(error).toMatchObject({ code: 'WEBSOCKET_ERROR', details: expect.objectContaining({ reason: 'MESSAGE_TOO_LARGE' }) });
    expect((await probe.nextError()).error.details.reason).toBe('MESSAGE_TOO_LARGE');
    await gone(raw);
    await stillWorks(good, goodIn);
  });

  it('a dialer drops a server that sends a message over its maxPayload', async () => {
    const { probe } = await withBystander();
    const small = await h.dial(wsTransport('ws', { maxPayload: 64 }), probe.port);
    const smallIn = await probe.nextConnection();
    smallIn.write(encodeFrame({ type: MainFlags.broadcast, sender: 'x', time: 1, payload: [SubFlags.broadcast, 'y'.repeat(200)] }));
    expect(await closed(small)).toMatchObject({ code: 'WEBSOCKET_ERROR', details: expect.objectContaining({ reason: 'MESSAGE_TOO_LARGE' }) });
  });

  it('garbage after the upgrade (not WebSocket framing) drops that connection (PROTOCOL_ERROR)', async () => {
    const { probe, good, goodIn } = await withBystander();
    const raw = await h.rawConnect(probe.port);
    raw.write(upgradeRequest(probe.port));
    await readUntil(raw, '\r\n\r\n');
    const offender = await probe.nextConnection();
    // An unmasked frame with a reserved opcode: two rules broken at once.
    raw.write(Buffer.from([0x8b, 0x05, 1, 2, 3, 4, 5]));
    expect(await closed(offender)).toMatchObject({ code: 'WEBSOCKET_ERROR', details: expect.objectContaining({ reason: 'PROTOCOL_ERROR' }) });
    expect((await probe.nextError()).error.details.reason).toBe('PROTOCOL_ERROR');
    await gone(raw);
    await stillWorks(good, goodIn);
  });

  it('an upgrade for another path is answered 404 (BAD_PATH)', async () => {
    const { probe, good, goodIn } = await withBystander();
    const raw = await h.rawConnect(probe.port);
    raw.write(upgradeRequest(probe.port, '/chat'));
    expect(await readUntil(raw, '\r\n\r\n')).toMatch(/^HTTP\/1\.1 404/);
    const { error } = await probe.nextError();
    expect(error).toMatchObject({ code: 'WEBSOCKET_ERROR', details: expect.objectContaining({ reason: 'BAD_PATH', path: '/chat' }) });
    await gone(raw);
    expect(probe.connections).toHaveLength(1);
    await stillWorks(good, goodIn);
  });

  it('a client that never finishes the upgrade is dropped at upgradeTimeout (UPGRADE_TIMEOUT)', async () => {
    const { probe, good, goodIn } = await withBystander({ upgradeTimeout: 150 });
    const silent = await h.rawConnect(probe.port);
    const trickle = await h.rawConnect(probe.port);
    trickle.write('GET / HTTP/1.1\r\nHost: x\r\n');
    const reasons = [(await probe.nextError()).error, (await probe.nextError()).error].map((e) => [e.code, e.details.reason]);
    expect(reasons).toEqual([
      ['WEBSOCKET_ERROR', 'UPGRADE_TIMEOUT'],
      ['WEBSOCKET_ERROR', 'UPGRADE_TIMEOUT'],
    ]);
    await gone(silent);
    await gone(trickle);
    await stillWorks(good, goodIn);
  });

  it('connections beyond maxPendingUpgrades are dropped on arrival (UPGRADE_FAILED, details.limit)', async () => {
    const { probe, good, goodIn } = await withBystander({ maxPendingUpgrades: 2, upgradeTimeout: 5_000 });
    const stalled = [await h.rawConnect(probe.port), await h.rawConnect(probe.port)];
    const third = await h.rawConnect(probe.port);
    const { error } = await probe.nextError();
    expect(error).toMatchObject({ code: 'WEBSOCKET_ERROR', details: expect.objectContaining({ reason: 'UPGRADE_FAILED', limit: 2 }) });
    await gone(third);
    expect(stalled.every((s) => !s.destroyed)).toBe(true);
    await stillWorks(good, goodIn);
  });

  it('a plain HTTP request gets 426 and bytes that are not HTTP get 400 (NOT_WEBSOCKET)', async () => {
    const { probe, good, goodIn } = await withBystander();
    const browserTab = await h.rawConnect(probe.port);
    browserTab.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(await readUntil(browserTab, '\r\n\r\n')).toMatch(/^HTTP\/1\.1 426/);
    expect((await probe.nextError()).error.details.reason).toBe('NOT_WEBSOCKET');
    const tcpPeer = await h.rawConnect(probe.port);
    // What a py2p TCP node would send: a frame header and binary.
    tcpPeer.write(Buffer.from([0, 0, 0, 5, 0xff, 0xfe, 0, 1, 2, 13, 10, 13, 10]));
    expect((await probe.nextError()).error.details.reason).toBe('NOT_WEBSOCKET');
    await gone(browserTab);
    await gone(tcpPeer);
    await stillWorks(good, goodIn);
  });

  it('a client that hangs up in the middle of its upgrade is reported (UPGRADE_FAILED)', async () => {
    const { probe, good, goodIn } = await withBystander();
    const raw = await h.rawConnect(probe.port);
    raw.write('GET / HTTP/1.1\r\nUpgrade: websocket\r\n');
    await new Promise((r) => setTimeout(r, 20));
    raw.destroy();
    expect((await probe.nextError()).error.details.reason).toBe('UPGRADE_FAILED');
    await stillWorks(good, goodIn);
  });
});
