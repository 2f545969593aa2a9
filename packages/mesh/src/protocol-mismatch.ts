/**
 * Explaining a protocol mismatch (PROTOCOL.md 4.3 step 1, F4) in terms a person can act on. A
 * protocol id is a hash of subnet + encryption + version, so the peer's settings cannot be read
 * back; they are recognised by trying the likely ones: this node's subnet and the default ones,
 * with and without sync's leasing digit (PROTOCOL.md 5.1), over the common encryptions, plain
 * or authenticated (PROTOCOL.md 11.1).
 */
import { Protocol, ProtocolMismatchError, type Endpoint } from '@p2p/base';

const SUBNETS = ['mesh', 'sync', 'chord', 'bootstrap'];
const ENCRYPTIONS = ['Plaintext', 'SSL', 'ws', 'wss'];

/** A readable `subnet "x", encryption Y` with sync's leasing digit spelled out (and `, authenticated` for an authenticated subnet). */
export function describeProtocol(subnet: string, encryption: string, auth = false): string {
  const lease = /^(.*)([01])$/.exec(subnet);
  const leasing = lease && lease[1] ? `, leasing ${lease[2] === '1' ? 'on' : 'off'}` : '';
  return `subnet "${lease && lease[1] ? lease[1] : subnet}"${leasing}, encryption ${encryption}${auth ? ', authenticated' : ''}`;
}

/** The peer's settings, when `theirsId` is one of the likely protocols; undefined otherwise. */
export function guessProtocol(ours: Protocol, theirsId: string): Protocol | undefined {
  const base = /^(.*?)[01]?$/.exec(ours.subnet)?.[1] ?? ours.subnet;
  const subnets = new Set([ours.subnet, base, ...SUBNETS]);
  for (const s of subnets) {
    for (const variant of [s, `${s}1`, `${s}0`]) {
      for (const e of new Set([ours.encryption, ...ENCRYPTIONS])) {
        for (const auth of [ours.auth, !ours.auth]) {
          const p = new Protocol(variant, e, { auth });
          if (p.id === theirsId) return p;
        }
      }
    }
  }
  return undefined;
}

/** The message of a PROTOCOL_MISMATCH: what each side runs, and what to change. */
export function mismatchMessage(protocol: Protocol, oursId: string, theirsId: string, remote: { host: string; port: number }): string {
  const ours = oursId === protocol.id ? protocol : (guessProtocol(protocol, oursId) ?? protocol);
  const theirs = guessProtocol(ours, theirsId);
  const mine = describeProtocol(ours.subnet, ours.encryption, ours.auth);
  const other = theirs ? describeProtocol(theirs.subnet, theirs.encryption, theirs.auth) : `an unknown subnet or encryption (protocol id ${theirsId.slice(0, 12)}…)`;
  return `peer ${remote.host}:${remote.port} is on another network: it runs ${other}, this node ${mine}; use the same subnet, encryption and leasing mode on both${ours.auth !== theirs?.auth && theirs ? ', authenticated or not' : ''}`;
}

/** A TLS record header (handshake 0x16 or alert 0x15, version 3.x) where a frame length should be. */
export function looksLikeTls(chunk: Uint8Array): boolean {
  return chunk.length >= 2 && (chunk[0] === 0x16 || chunk[0] === 0x15) && chunk[1] === 0x03;
}

/** The error for a TLS peer met by a node that does not speak TLS on this transport. */
export function tlsMixupError(remote: Endpoint, encryption: string): ProtocolMismatchError {
  return new ProtocolMismatchError(
    `the peer at ${remote.host}:${remote.port} speaks TLS: it is an SSL node and this one is ${encryption}; use the same encryption on both (new Protocol(subnet, 'SSL') after importing '@p2p/ssl', or Plaintext on both)`,
    { details: { remote, reason: 'TLS' } },
  );
}
