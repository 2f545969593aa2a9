import { describe, expect, it } from 'vitest';
import { encodeMsgpack, fieldText, toHex } from '@p2p/base';
import { isHashMethod } from '../src/hashing';
import {
  BACKUP_SUBFLAG,
  backupMessage,
  deltaMessage,
  forwardedRetrievedMessage,
  keyNoticeMessage,
  metaMessage,
  notifyAddMessage,
  notifyDeleteMessage,
  retrieveMessage,
  retrievedMessage,
  storeMessage,
  type ChordMessage,
} from '../src/messages';
import { parseRingKey } from '../src/payloads';
import { fixture, typed } from './helpers';

type Frame = { packets?: unknown[] };
const traffic = fixture<{ log: Frame[] }>('traffic-chord.json');

/** The recorded py2p frames with main flag `main`, sub-flag `sub` and `length` payload elements, as msgpack-ready values. */
function recorded(main: number, sub: number, length: number): unknown[][] {
  return traffic.log
    .filter((f) => f.packets && f.packets[0] === main && f.packets[3] === sub && f.packets.length - 3 === length)
    .map((f) => (typed(f.packets) as unknown[]).slice(3));
}

/** The bytes of `[sub, ...packets]` as they go on the wire. */
const bytesOf = (m: ChordMessage) => toHex(encodeMsgpack([m.type, ...m.packets]));
const slot = (payload: unknown[]) => {
  const method = fieldText(payload[1])!;
  if (!isHashMethod(method)) throw new Error(`not a method: ${method}`);
  return { method, k: parseRingKey(fieldText(payload[2])!)! };
};
const entry = (value: unknown) => ({ value, raw: encodeMsgpack(value).slice() });

describe('message builders reproduce py2p frames byte for byte (traffic-chord.json)', () => {
  it('meta and notify', () => {
    const [meta] = recorded(2, 5, 2);
    expect(bytesOf(metaMessage(meta![1] === '0'))).toBe(toHex(encodeMsgpack(meta)));
    const [add] = recorded(0, 6, 2);
    expect(notifyAddMessage(add![1] as Uint8Array).flag).toBe(0);
    expect(bytesOf(notifyAddMessage(add![1] as Uint8Array))).toBe(toHex(encodeMsgpack(add)));
    const [del] = recorded(0, 6, 3);
    expect(bytesOf(notifyDeleteMessage(del![1] as Uint8Array))).toBe(toHex(encodeMsgpack(del)));
    const whisperNotify = keyNoticeMessage(add![1] as Uint8Array);
    expect([whisperNotify.flag, bytesOf(whisperNotify)]).toEqual([2, toHex(encodeMsgpack(add))]);
  });

  it('store, retrieve, retrieved and delta', () => {
    const stores = recorded(2, 11, 4);
    expect(stores.length).toBeGreaterThan(0);
    for (const p of stores) {
      const { method, k } = slot(p);
      expect(bytesOf(storeMessage(method, k, p[3] === null ? null : entry(p[3])))).toBe(toHex(encodeMsgpack(p)));
    }
    for (const p of recorded(2, 12, 3)) {
      const { method, k } = slot(p);
      expect(bytesOf(retrieveMessage(method, k))).toBe(toHex(encodeMsgpack(p)));
    }
    const answers = recorded(2, 13, 4);
    expect(answers.length).toBeGreaterThan(0);
    for (const p of answers) {
      expect(bytesOf(retrievedMessage(p[1], p[2], p[3] === null ? null : entry(p[3])))).toBe(toHex(encodeMsgpack(p)));
      const raw = p[3] === null ? undefined : encodeMsgpack(p[3]);
      expect(bytesOf(forwardedRetrievedMessage(p[1], p[2], p[3], raw))).toBe(toHex(encodeMsgpack(p)));
    }
    for (const p of recorded(2, 17, 4)) {
      const { method, k } = slot(p);
      expect(bytesOf(deltaMessage(method, k, p[3]))).toBe(toHex(encodeMsgpack(p)));
    }
  });

  it('backup (TS-only) has the store layout under its own sub-flag', () => {
    const [p] = recorded(2, 11, 4);
    const { method, k } = slot(p!);
    const b = backupMessage(method, k, entry(p![3]));
    expect([b.flag, b.type]).toEqual([2, BACKUP_SUBFLAG]);
    expect(toHex(encodeMsgpack(b.packets))).toBe(toHex(encodeMsgpack(p!.slice(1))));
    expect(backupMessage(method, k, null).packets[2]).toBeNull();
  });
});
