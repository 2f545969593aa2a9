// Shared test helpers: fixture loading, the vectors' typed-value notation, a seeded PRNG.
import { readFileSync } from 'node:fs';
import { fromHex } from '../src/bytes';
import { P2PError } from '../src/errors';
import { MsgpackFloat } from '../src/msgpack';

/** The py2p golden vectors, kept once for every package in tooling/testnet/vectors (base cannot depend on testnet). */
const VECTORS = new URL('../../../tooling/testnet/vectors/', import.meta.url);

export function loadFixture<T>(name: string): T {
  return JSON.parse(readFileSync(new URL(name, VECTORS), 'utf8')) as T;
}

/** Typed JSON (vectors README, "Typed values") to the value we hand to the encoder. */
export function toEncodable(typed: unknown): unknown {
  if (Array.isArray(typed)) return typed.map(toEncodable);
  if (typed !== null && typeof typed === 'object') {
    const o = typed as Record<string, unknown>;
    if ('bin' in o) return fromHex(o.bin as string);
    if ('int' in o) return BigInt(o.int as string);
    if ('float' in o) return new MsgpackFloat(o.float as number);
    if ('map' in o) return new Map((o.map as [unknown, unknown][]).map(([k, v]) => [toEncodable(k), toEncodable(v)]));
    if ('repeat_str' in o) return (o.repeat_str as string).repeat(o.count as number);
    if ('repeat_bin' in o) {
      const unit = fromHex(o.repeat_bin as string);
      const out = new Uint8Array(unit.length * (o.count as number));
      for (let i = 0; i < out.length; i += unit.length) out.set(unit, i);
      return out;
    }
    throw new Error(`unknown typed value ${JSON.stringify(typed)}`);
  }
  return typed;
}

/** Typed JSON to what decodeMsgpack returns for it. */
export function toDecoded(typed: unknown): unknown {
  const v = toEncodable(typed);
  return normalise(v);
}

function normalise(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(normalise);
  if (v instanceof MsgpackFloat) return v.value;
  if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) && BigInt(Number(v)) === v ? Number(v) : v;
  if (v instanceof Map) {
    const entries = [...v].map(([k, x]) => [normalise(k), normalise(x)] as const);
    if (entries.every(([k]) => typeof k === 'string' && k !== '__proto__')) {
      return Object.fromEntries(entries);
    }
    return new Map(entries);
  }
  return v;
}

/** mulberry32: small, fast, deterministic. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function randomBytes(rand: () => number, n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.floor(rand() * 256);
  return out;
}

/** XORs one byte (a mask of 1..255 always changes it). */
export function flipByte(bytes: Uint8Array, index: number, mask: number): void {
  bytes[index] = bytes[index]! ^ mask;
}

/** Asserts `fn` throws a P2PError with `code` and returns it. */
export function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    return typeof code === 'string' ? code : `non-P2P ${String(err)}`;
  }
  return 'no error';
}

/** The P2PError `fn` throws (anything else, or nothing, fails the test). */
export function errorOf(fn: () => unknown): P2PError {
  try {
    fn();
  } catch (err) {
    if (err instanceof P2PError) return err;
    throw err;
  }
  throw new Error('expected a P2PError');
}
