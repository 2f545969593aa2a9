import { describe, expect, it } from 'vitest';
import { signedTranscript, toHex } from '../src/index';

describe('signedTranscript', () => {
  it('writes the domain, 0x00, then every field in order, big-endian', () => {
    const out = signedTranscript('d', [
      { u8: 7 },
      { short: 'ab' },
      { long: Uint8Array.of(1, 2, 3) },
      { u64: 2 ** 40 + 5 },
      { short: Uint8Array.of(9) },
      { raw: Uint8Array.of(0xfe, 0xff) },
    ]);
    expect(toHex(out)).toBe(['6400', '07', '0002' + '6162', '00000003' + '010203', '0000010000000005', '0001' + '09', 'feff'].join(''));
  });

  it('writes empty fields as their zero length', () => {
    expect(toHex(signedTranscript('', [{ short: '' }, { long: new Uint8Array(0) }, { raw: new Uint8Array(0) }]))).toBe('00' + '0000' + '00000000');
  });

  it('refuses what its length prefix or width cannot hold', () => {
    expect(() => signedTranscript('d', [{ short: new Uint8Array(0x10000) }])).toThrow(RangeError);
    expect(signedTranscript('d', [{ short: new Uint8Array(0xffff) }]).length).toBe(2 + 2 + 0xffff);
    expect(() => signedTranscript('d', [{ u8: 256 }])).toThrow(RangeError);
    expect(() => signedTranscript('d', [{ u64: -1 }])).toThrow(RangeError);
    expect(() => signedTranscript('d', [{ u64: 1.5 }])).toThrow(RangeError);
  });
});
