import { describe, expect, it } from 'vitest';
import { toHex, utf8Encode } from '../src/bytes';
import { sha384 } from '../src/hash';
import { isValidNodeId, makeNodeId, nodeIdToBigInt, pythonAddrRepr, randomSalt } from '../src/node-id';
import { Protocol } from '../src/protocol-id';
import { codeOf, loadFixture } from './helpers';

interface NodeIdVectors {
  cases: {
    kind: string;
    out_addr: [string, number];
    out_addr_text: string;
    protocol_subnet: string;
    protocol_id: string;
    user_salt: string;
    hashed_hex: string;
    sha384_hex: string;
    id: string;
    id_int: string;
  }[];
}

const v = loadFixture<NodeIdVectors>('node-id.json');

describe('node ids', () => {
  for (const c of v.cases) {
    it(`${c.kind} node at ${c.out_addr_text}`, () => {
      const [host, port] = c.out_addr;
      expect(pythonAddrRepr(host, port)).toBe(c.out_addr_text);
      expect(new Protocol(c.protocol_subnet, 'Plaintext').id).toBe(c.protocol_id);
      const hashed = utf8Encode(pythonAddrRepr(host, port) + c.protocol_id + c.user_salt);
      expect(toHex(hashed)).toBe(c.hashed_hex);
      expect(toHex(sha384(hashed))).toBe(c.sha384_hex);
      const id = makeNodeId({ outAddr: [host, port], protocolId: c.protocol_id, salt: c.user_salt });
      expect(id).toBe(c.id);
      expect(nodeIdToBigInt(id)).toBe(BigInt(c.id_int));
      expect(isValidNodeId(id)).toBe(true);
    });
  }

  it('matches the PROTOCOL.md 2.3 example', () => {
    const id = makeNodeId({
      outAddr: ['127.0.0.1', 4444],
      protocolId: new Protocol('mesh', 'Plaintext').id,
      salt: '00000000-0000-4000-8000-000000000000',
    });
    expect(id).toBe('7g4Ru6i6ZExWJpFnD47FUyEjtBks32BzfKjrTZbmaT5Huw1GUuHBjVRTrhGamexqbp');
  });

  it('renders addresses like Python repr', () => {
    expect(pythonAddrRepr('127.0.0.1', 4444)).toBe("('127.0.0.1', 4444)");
    expect(pythonAddrRepr("it's", 1)).toBe('("it\'s", 1)');
    expect(pythonAddrRepr('a\\b\n', 1)).toBe("('a\\\\b\\n', 1)");
    expect(codeOf(() => pythonAddrRepr('h', 1.5))).toBe('INVALID_ARGUMENT');
  });

  it('draws random salts and distinct ids', () => {
    const a = randomSalt();
    const b = randomSalt();
    expect(a).not.toBe(b);
    const protocolId = new Protocol('mesh', 'Plaintext').id;
    expect(makeNodeId({ outAddr: ['h', 1], protocolId, salt: a })).not.toBe(makeNodeId({ outAddr: ['h', 1], protocolId, salt: b }));
  });

  it('validates ids', () => {
    expect(isValidNodeId('')).toBe(false);
    expect(isValidNodeId('RawClientId')).toBe(false); // "l" is not base58
    expect(isValidNodeId('abc')).toBe(true);
    // 2^384 itself is out of the ring; 2^384 - 1 is the largest valid id.
    expect(isValidNodeId('APfNaWmCGXxjPYJGZwiKpdX3EUk7VxXnyV7eGd74S7ukPHSnf3F7dPU4kqdaB6DuXt')).toBe(true);
    expect(isValidNodeId('APfNaWmCGXxjPYJGZwiKpdX3EUk7VxXnyV7eGd74S7ukPHSnf3F7dPU4kqdaB6DuXu')).toBe(false);
    expect(isValidNodeId('z'.repeat(200))).toBe(false);
    expect(codeOf(() => nodeIdToBigInt('0'))).toBe('INVALID_BASE58');
  });
});
