/** The key registry: every key heard of, and (filed when first asked) its five ring positions. */
import { describe, expect, it } from 'vitest';
import { utf8Encode, type P2PError } from '@p2p/base';
import { HASH_METHODS, getHashes } from '../src/hashing';
import { LocalStore } from '../src/local-store';

function registry(maxKeys = 100) {
  const events: Array<[string, string]> = [];
  const errors: P2PError[] = [];
  const store = new LocalStore(maxKeys, {
    closed: false,
    emitKey: (event, key) => events.push([event, new TextDecoder().decode(key)]),
    reportError: (error) => errors.push(error),
  });
  return { store, events, errors };
}

const key = (s: string) => utf8Encode(s);
const slotsOf = (s: string) => getHashes(s).map((k, i) => [HASH_METHODS[i]!, k] as const);

describe('key registry', () => {
  it('finds every slot of keys added before and after the first lookup, and none of removed keys', () => {
    const { store } = registry();
    store.addKey(key('early'), false);
    for (const [method, k] of slotsOf('early')) expect(store.keyAt(method, k)).toEqual(key('early'));
    store.addKey(key('late'), false);
    store.addKey(key('gone-before'), false);
    // Removed before its positions were ever filed, and removed after.
    store.removeKey(key('gone-before'));
    for (const [method, k] of slotsOf('late')) expect(store.keyAt(method, k)).toEqual(key('late'));
    store.removeKey(key('early'));
    for (const [method, k] of [...slotsOf('early'), ...slotsOf('gone-before')]) expect(store.keyAt(method, k)).toBeUndefined();
    expect(store.keys()).toEqual([key('late')]);
    // A key added again after its removal is found again.
    store.addKey(key('early'), false);
    for (const [method, k] of slotsOf('early')) expect(store.keyAt(method, k)).toEqual(key('early'));
  });

  it('adds once, emits add only for local keys, delete once per known key; refuses past maxKeys', () => {
    const { store, events, errors } = registry(2);
    expect(store.addKey(key('a'), true)).toEqual(key('a'));
    expect(store.addKey(key('a'), true)).toBeUndefined();
    store.addKey(key('b'), false);
    expect(store.addKey(key('c'), false)).toBeUndefined();
    expect(errors.map((e) => e.code)).toEqual(['LIMIT_EXCEEDED']);
    for (const [method, k] of slotsOf('c')) expect(store.keyAt(method, k)).toBeUndefined();
    expect(store.removeKey(key('b'))).toEqual(key('b'));
    expect(store.removeKey(key('b'))).toBeUndefined();
    expect(events).toEqual([
      ['add', 'a'],
      ['delete', 'b'],
    ]);
  });
});
