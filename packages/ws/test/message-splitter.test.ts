import { describe, expect, it } from 'vitest';
import { MessageSplitter } from '../src/message-splitter';

const frame = (body: number[]): number[] => [0, 0, (body.length >> 8) & 0xff, body.length & 0xff, ...body];
const lists = (parts: Uint8Array[]): number[][] => parts.map((p) => [...p]);

describe('MessageSplitter (one frame per WebSocket message, as js2p sends)', () => {
  it('cuts several frames written at once at their length headers', () => {
    const a = frame([1, 2, 3]);
    const b = frame([9]);
    const c = frame([]);
    expect(lists(new MessageSplitter().split(Uint8Array.from([...a, ...b, ...c])))).toEqual([a, b, c]);
  });

  it('sends a frame cut across writes as it comes and resumes counting', () => {
    const s = new MessageSplitter();
    const a = frame([1, 2, 3, 4, 5]);
    const b = frame([6, 7]);
    expect(lists(s.split(Uint8Array.from(a.slice(0, 2))))).toEqual([a.slice(0, 2)]);
    expect(lists(s.split(Uint8Array.from([...a.slice(2, 6)])))).toEqual([a.slice(2, 6)]);
    expect(lists(s.split(Uint8Array.from([...a.slice(6), ...b])))).toEqual([a.slice(6), b]);
  });

  it('reads lengths as unsigned 32-bit big-endian', () => {
    const s = new MessageSplitter();
    const head = Uint8Array.from([0x80, 0, 0, 1, 42]);
    expect(lists(s.split(head))).toEqual([[0x80, 0, 0, 1, 42]]);
    // 2^31 body bytes are still owed to that frame: everything that follows belongs to it.
    expect(lists(s.split(Uint8Array.from(frame([1]))))).toEqual([frame([1])]);
  });
});
