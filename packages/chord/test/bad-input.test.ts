import { describe, expect, it } from 'vitest';
import { utf8Encode, type P2PError } from '@p2p/base';
import { waitFor } from '@p2p/testnet';
import { node, rawHandshake, rawPeer } from './helpers';

const bin = (s: string) => utf8Encode(s);

describe('malformed chord messages', () => {
  it('harmless cases are ignored and reported; the link stays (F10)', async () => {
    const a = await node();
    a.join();
    a.set('kept', 'safe');
    const errors: P2PError[] = [];
    a.on('error', (e) => errors.push(e));
    const peer = await rawPeer(a);
    rawHandshake(peer, '1');
    await waitFor(() => a.peers.size === 1);
    peer.sendPayload(2, [11, bin('md5'), bin('2UA1'), 'x']); // unknown method
    peer.sendPayload(2, [11, bin('sha256'), bin('0OIl'), 'x']); // not base58
    peer.sendPayload(2, [11, bin('sha256'), bin('2UA1Y7LSP'), null]); // delete of an entry nobody holds
    peer.sendPayload(2, [12, bin('sha3'), bin('2UA1')]); // retrieve, unknown method
    peer.sendPayload(2, [6, bin('k'), bin('del')]); // notify-delete of an unknown key
    await waitFor(() => errors.length >= 3);
    expect(errors.map((e) => e.code)).toEqual(['BAD_MESSAGE', 'BAD_MESSAGE', 'BAD_MESSAGE']);
    expect(a.peers.size).toBe(1);
    expect(a.storedEntries).toBe(5);
    expect(await a.get('kept')).toBe('safe');
  });

  it.each([
    ['a store with too few fields', [11, bin('sha256')]],
    ['a store whose method is a number', [11, 7, bin('2UA1'), 'x']],
    ['a retrieve whose key is a map', [12, bin('sha256'), { a: 1 }]],
    ['a delta without a map', [17, bin('sha256'), bin('2UA1'), 'not a map']],
    ['a retrieved of the wrong length', [13, bin('sha256')]],
    ['a notify with a number for a key', [6, 42]],
  ])('%s drops that connection with BAD_MESSAGE; stored data is intact', async (_label, payload) => {
    const a = await node();
    a.join();
    a.set('kept', { n: 1 });
    const peer = await rawPeer(a);
    // A leecher, so that no handoff moves entries to it: what a holds stays put.
    rawHandshake(peer, '1');
    await waitFor(() => a.peers.size === 1);
    const error = new Promise<P2PError>((resolve) => a.on('error', (e) => resolve(e)));
    peer.sendPayload(2, payload as unknown[]);
    expect((await error).code).toBe('BAD_MESSAGE');
    await peer.closed;
    await waitFor(() => a.peers.size === 0);
    expect(a.closed).toBe(false);
    expect(a.storedEntries).toBe(5);
    expect(await a.get('kept')).toEqual({ n: 1 });
  });

  it('a meta that is not a number is reported and ignored', async () => {
    const a = await node();
    const peer = await rawPeer(a);
    rawHandshake(peer);
    await waitFor(() => a.peers.size === 1);
    const error = new Promise<P2PError>((resolve) => a.on('error', (e) => resolve(e)));
    peer.sendPayload(2, [5, 'yes']);
    expect((await error).code).toBe('BAD_MESSAGE');
    expect(a.storingPeers()).toHaveLength(0);
    expect(a.peers.size).toBe(1);
  });
});
