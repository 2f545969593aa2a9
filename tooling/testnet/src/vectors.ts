/** Test vectors: JSON fixtures and their typed-value notation ({bin}, {int}, {map}). */
import { readFileSync } from 'node:fs';
import { fromHex } from '@p2p/base';

const VECTORS = new URL('../vectors/', import.meta.url);

/** Reads one of the py2p 0.7 golden vectors kept in tooling/testnet/vectors (e.g. `'frames.json'`). */
export function readVector<T = any>(name: string): T {
  return readFixture<T>(VECTORS, name);
}

/** Reads and parses the JSON file `name` relative to `baseUrl` (e.g. `new URL('./fixtures/', import.meta.url)`). */
export function readFixture<T = any>(baseUrl: URL | string, name: string): T {
  return JSON.parse(readFileSync(new URL(name, baseUrl), 'utf8')) as T;
}

/** Turns the vectors' typed JSON ({bin}, {int}, {map}) into msgpack-ready values. */
export function typedVector(value: any): unknown {
  if (Array.isArray(value)) return value.map(typedVector);
  if (value !== null && typeof value === 'object') {
    if ('bin' in value) return fromHex(value.bin);
    if ('int' in value) return BigInt(value.int);
    if ('map' in value) return new Map(value.map.map(([k, v]: [any, any]) => [typedVector(k), typedVector(v)]));
  }
  return value;
}
