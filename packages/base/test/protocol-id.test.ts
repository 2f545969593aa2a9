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

describe('PROTOCOL.md 2.2 table', () => {
  const table: [string, string, string][] = [
    ['', 'Plaintext', '3soAb1XFyvZYyqgFNTxcXvzEBU6p8n821ifyVVANipvt'],
    ['mesh', 'Plaintext', 'EpAmyZWv9rZUKmjQgU3FTUD4GrJHvVEXizmghVBc8eGD'],
    ['sync1', 'Plaintext', 'p7sAnBsK3n5enFXH7vEGQjzS6t6RH1CeEoYekNjr5Jn'],
    ['sync0', 'Plaintext', 'EB8PreScNDAFMALGBs1uyocDXLXCxZKzWEP5oR6VVh2z'],
    ['chord', 'Plaintext', '7vVFRufXm7t4vppy5LoCeXJznBnahNRjnmsRkbVYet5z'],
    ['bootstrap', 'Plaintext', '6QikR2LAXkQcv1C7K1htQdE8xLbLpS7EBbRHZMSQSCBy'],
    ['mesh', 'SSL', 'EkE9cS4dwjZ8uo8H1pxYe7WrJ3wXgaHfozHQUkb99eHm'],
    ['sync1', 'SSL', 'ANBM6pF8DhyLoKw2PEj8wwg9WbmxbYvmZt4d9ca3nJ7B'],
    ['chord', 'SSL', 'bL2pkj6uxDSnYsiadoxynuiYYshThTuBQUN2sC279bA'],
    ['bootstrap', 'SSL', 'BM9AVgtEtRVrr2J8ce3wgYNWupqD689baCTQ75EfqSoZ'],
  ];
  for (const [subnet, encryption, id] of table) {
    it(`(${JSON.stringify(subnet)}, ${encryption})`, () => {
      expect(new Protocol(subnet, encryption).id).toBe(id);
    });
  }
});
