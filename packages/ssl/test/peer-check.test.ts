import { describe, expect, it } from 'vitest';
import { Identity } from '@p2p/base';
import { checkPeer } from '../src/peer-check';

const PIN = 'AB:'.repeat(31) + 'AB';
const OTHER = 'CD:'.repeat(31) + 'CD';
const ed25519 = { fingerprint256: PIN, publicKey: new Uint8Array(32) };
const ecdsa = { fingerprint256: PIN, publicKey: undefined };
const remote = { host: '127.0.0.1', port: 1 };
const plain = { pins: new Set<string>(), pinClients: false, identity: undefined };
const reason = (e: ReturnType<typeof checkPeer>): unknown => e?.details['reason'];

describe('checkPeer', () => {
  it('accepts any peer, with or without a certificate, when nothing is pinned and there is no identity', () => {
    for (const side of ['incoming', 'outgoing'] as const) {
      for (const peer of [undefined, ecdsa, ed25519]) expect(checkPeer(plain, peer, remote, side)).toBeUndefined();
    }
  });

  it('checks pins on dialed servers always, on clients only with pinClients', () => {
    const pinned = { ...plain, pins: new Set([PIN]) };
    expect(checkPeer(pinned, ecdsa, remote, 'outgoing')).toBeUndefined();
    expect(reason(checkPeer(pinned, { ...ecdsa, fingerprint256: OTHER }, remote, 'outgoing'))).toBe('FINGERPRINT_MISMATCH');
    expect(reason(checkPeer(pinned, undefined, remote, 'outgoing'))).toBe('FINGERPRINT_MISMATCH');
    expect(checkPeer(pinned, undefined, remote, 'incoming')).toBeUndefined();
    expect(reason(checkPeer({ ...pinned, pinClients: true }, undefined, remote, 'incoming'))).toBe('FINGERPRINT_MISMATCH');
  });

  it('with an identity, wants an Ed25519 key from every peer, after the pins', () => {
    const own = { ...plain, identity: Identity.generate() };
    for (const side of ['incoming', 'outgoing'] as const) {
      expect(checkPeer(own, ed25519, remote, side)).toBeUndefined();
      expect(checkPeer(own, ecdsa, remote, side)).toMatchObject({ code: 'TLS_ERROR', details: { reason: 'PEER_KEY_MISSING', actual: PIN, side } });
      expect(checkPeer(own, undefined, remote, side)).toMatchObject({ details: { reason: 'PEER_KEY_MISSING', actual: undefined } });
    }
    const pinnedToo = { ...own, pins: new Set([OTHER]) };
    expect(reason(checkPeer(pinnedToo, ecdsa, remote, 'outgoing'))).toBe('FINGERPRINT_MISMATCH');
  });
});
