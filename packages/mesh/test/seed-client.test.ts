/**
 * The seed client's chord messages, checked byte for byte against py2p's recorded chord traffic
 * (tooling/testnet/vectors/traffic-chord.json): the same layouts as chord's messages.ts.
 */
import { describe, expect, it } from 'vitest';
import { decodeCandidates, decodeFrameBody, fromHex, packPacket, SubFlags, utf8Encode, DEFAULT_COMPRESSIONS } from '@p2p/base';
import { deltaMessage, parseRegistry, registrationDelta, registrationMessages, registrySlots, retrieveMessage } from '../src/seed-client';
import { fixture, typed } from './helpers';

const traffic = fixture('traffic-chord.json');
const frames = (traffic.log as any[]).filter((e) => e.packets);

function recordedPacked(entry: any): Uint8Array {
  const body = fromHex(entry.frame).subarray(4);
  return decodeFrameBody(body, { candidates: decodeCandidates(DEFAULT_COMPRESSIONS, DEFAULT_COMPRESSIONS) }).packed;
}

function rebuilt(entry: any, message: { flag: number; type: number; packets: readonly unknown[] }): Uint8Array {
  const [, sender, time] = typed(entry.packets) as [number, Uint8Array, number];
  return packPacket({ type: message.flag, sender: new TextDecoder().decode(sender), time, payload: [message.type, ...message.packets] }).packed;
}

describe('seed client messages (py2p traffic)', () => {
  const gamma = registrySlots(utf8Encode('gamma'));

  it('the five ring keys are chord get_hashes in base58, in py2p order', () => {
    const deltas = frames.filter((e) => e.packets[3] === SubFlags.delta);
    expect(deltas).toHaveLength(5);
    expect(deltas.map((e) => new TextDecoder().decode(typed(e.packets[5]) as Uint8Array))).toEqual(gamma.map((s) => s.key));
    expect(gamma.map((s) => s.method)).toEqual(['sha1', 'sha224', 'sha256', 'sha384', 'sha512']);
  });

  it('delta frames match py2p byte for byte', () => {
    const deltas = frames.filter((e) => e.packets[3] === SubFlags.delta);
    deltas.forEach((entry, i) => {
      expect(rebuilt(entry, deltaMessage(gamma[i]!, { x: 1 }))).toEqual(recordedPacked(entry));
    });
  });

  it('retrieve frames match py2p byte for byte', () => {
    const gammaKeys = new Set(gamma.map((s) => s.key));
    const retrieves = frames.filter(
      (e) => e.packets[3] === SubFlags.retrieve && gammaKeys.has(new TextDecoder().decode(typed(e.packets[5]) as Uint8Array)),
    );
    expect(retrieves).toHaveLength(5);
    retrieves.forEach((entry, i) => {
      expect(rebuilt(entry, retrieveMessage(gamma[i]!))).toEqual(recordedPacked(entry));
    });
  });

  it('a registration is {id (bin): [host, port]} under the protocol id, and the registry parses back', () => {
    const reg = registrationMessages('someProtocolId', 'nodeA', ['127.0.0.1', 4000]);
    expect(reg.slots).toEqual(registrySlots(utf8Encode('someProtocolId')));
    const delta = reg.deltas[0]!.packets[2] as Map<Uint8Array, unknown>;
    const [k, v] = [...delta][0]!;
    expect(k).toEqual(utf8Encode('nodeA'));
    expect(v).toEqual(['127.0.0.1', 4000]);
    expect(reg.notice.packets).toEqual([utf8Encode('someProtocolId')]);
    const entries: Array<[Uint8Array, unknown]> = [...registrationDelta('x', ['h', 1]), [utf8Encode('bad'), 'nope'], [utf8Encode('y'), ['h', 70000]]];
    const back = parseRegistry(new Map(entries));
    expect(back).toEqual([{ id: 'x', addr: ['h', 1] }]);
    expect(parseRegistry({ z: [utf8Encode('10.0.0.1'), 2] })).toEqual([{ id: 'z', addr: ['10.0.0.1', 2] }]);
    expect(parseRegistry(null)).toEqual([]);
  });
});
