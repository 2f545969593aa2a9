import { describe, expect, it } from 'vitest';
import { toHex, utf8Encode } from '../src/bytes';
import { sha256 } from '../src/hash';
import { NODE_POLICY_VERSION, PROTOCOL_VERSION, Protocol } from '../src/protocol-id';
import { loadFixture } from './helpers';

interface ProtocolVectors {
  protocol_version: string;
  node_policy_version: string;
  cases: { subnet: string; encryption: string; hashed_utf8_hex: string; sha256_hex: string; id: string }[];
}

const v = loadFixture<ProtocolVectors>('protocol-id.json');

describe('Protocol', () => {
  it('has the vectors versions', () => {
    expect(PROTOCOL_VERSION).toBe(v.protocol_version);
    expect(NODE_POLICY_VERSION).toBe(v.node_policy_version);
  });

  for (const c of v.cases) {
    it(`id of (${JSON.stringify(c.subnet)}, ${c.encryption})`, () => {
      expect(toHex(utf8Encode(c.subnet + c.encryption + PROTOCOL_VERSION))).toBe(c.hashed_utf8_hex);
      expect(toHex(sha256(utf8Encode(c.subnet + c.encryption + PROTOCOL_VERSION)))).toBe(c.sha256_hex);
      const p = new Protocol(c.subnet, c.encryption);
      expect(p.id).toBe(c.id);
      expect(new TextDecoder().decode(p.idBytes())).toBe(c.id);
      expect(p.subnet).toBe(c.subnet);
      expect(p.encryption).toBe(c.encryption);
    });
  }

  it('is immutable and compares by id', () => {
    const p = new Protocol('mesh', 'Plaintext');
    expect(Object.isFrozen(p)).toBe(true);
    expect(() => {
      (p as { id: string }).id = 'x';
    }).toThrow(TypeError);
    expect(p.equals(new Protocol('mesh', 'Plaintext'))).toBe(true);
    expect(p.equals(new Protocol('mesh', 'SSL'))).toBe(false);
    expect(String(p)).toContain(p.id);
  });
});
