/**
 * Builders and parsers of the mesh's own payloads (PROTOCOL.md 4.2, 4.4, 4.9). Pure functions:
 * parsers return undefined for a shape they do not recognise, never throw.
 */
import { RawMsgpack, encodeMsgpack, fieldText } from '@p2p/base';
import { idBin, isAcceptableId, parseAddr } from './ids';

/** A handshake as received: `whisper / handshake [id, protocol id, [host, port], compressions]`. */
export interface Handshake {
  id: string;
  protocolId: string;
  addr: [string, number];
  compression: number[];
}

/** The 4 fields after the sub-flag; py2p ignores any other length (F14). */
export function handshakeFields(
  id: string,
  protocolId: string,
  outAddr: readonly [string, number],
  compression: readonly number[],
): unknown[] {
  return [idBin(id), idBin(protocolId), [outAddr[0], outAddr[1]], [...compression]];
}

/**
 * `payload` is `Message.packets` (sub-flag first). Returns undefined unless it is exactly a
 * 5-element mesh handshake; `invalid` when it has that length but bad fields.
 */
export function parseHandshake(payload: readonly unknown[]): Handshake | 'invalid' | undefined {
  if (payload.length !== 5) return undefined;
  const id = fieldText(payload[1]);
  const protocolId = fieldText(payload[2]);
  const addr = parseAddr(payload[3]);
  const compression = parseCompressionList(payload[4]);
  if (!isAcceptableId(id) || protocolId === undefined || !addr || !compression) return 'invalid';
  return { id, protocolId, addr, compression };
}

/** A list of compression flags, or undefined when it is not an array of small ints. */
export function parseCompressionList(value: unknown): number[] | undefined {
  if (!Array.isArray(value) || value.length > 64) return undefined;
  const out: number[] = [];
  for (const v of value) {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 0xff) return undefined;
    out.push(v);
  }
  return out;
}

/** One entry of a peers list. */
export interface PeerEntry {
  addr: [string, number];
  id: string;
}

/** The single field of `whisper / peers [[[[host, port], id], ...]]`. */
export function peersField(entries: readonly PeerEntry[]): unknown[] {
  return [entries.map(peerEntryField)];
}

/** One entry of a peers list, `[[host, port], id]`, encoded once: spliced into every list that names the peer. */
export function peerEntryRaw(entry: PeerEntry): RawMsgpack {
  return new RawMsgpack(encodeMsgpack(peerEntryField(entry)));
}

function peerEntryField(e: PeerEntry): unknown[] {
  return [[e.addr[0], e.addr[1]], idBin(e.id)];
}

/**
 * Entries of a peers payload (`[7, list]`), at most `max` of them, skipping malformed ones.
 * Undefined when the payload is not a peers message at all.
 */
export function parsePeers(payload: readonly unknown[], max: number): PeerEntry[] | undefined {
  if (payload.length < 2 || !Array.isArray(payload[1])) return undefined;
  const out: PeerEntry[] = [];
  for (const entry of payload[1] as unknown[]) {
    if (out.length >= max) break;
    if (!Array.isArray(entry) || entry.length !== 2) continue;
    const addr = parseAddr(entry[0]);
    const id = fieldText(entry[1]);
    if (!addr || !isAcceptableId(id)) continue;
    out.push({ addr, id });
  }
  return out;
}

/** True for the peer-table request wildcard, str or bin (F13). */
export function isWildcard(value: unknown): boolean {
  return fieldText(value) === '*';
}

/** The wildcard as TS sends it: bin (PROTOCOL.md 4.9). */
export const WILDCARD_BIN: Uint8Array = new Uint8Array([0x2a]);
