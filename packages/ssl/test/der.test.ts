import { describe, expect, it } from 'vitest';
import { toHex } from '@p2p/base';
import * as der from '../src/der';

const hex = (b: Uint8Array): string => toHex(b);

describe('DER encoders', () => {
  it('encodes short and long lengths', () => {
    expect(hex(der.octetString(new Uint8Array(3)))).toBe('0403000000');
    expect(hex(der.octetString(new Uint8Array(127))).slice(0, 4)).toBe('047f');
    expect(hex(der.octetString(new Uint8Array(128))).slice(0, 6)).toBe('048180');
    expect(hex(der.octetString(new Uint8Array(300))).slice(0, 8)).toBe('0482012c');
    expect(der.octetString(new Uint8Array(70_000)).subarray(0, 5)).toEqual(Uint8Array.of(0x04, 0x83, 0x01, 0x11, 0x70));
  });

  it('encodes integers minimally and non-negative', () => {
    expect(hex(der.smallInteger(0))).toBe('020100');
    expect(hex(der.smallInteger(2))).toBe('020102');
    expect(hex(der.smallInteger(127))).toBe('02017f');
    expect(hex(der.smallInteger(128))).toBe('02020080');
    expect(hex(der.smallInteger(256))).toBe('02020100');
    expect(hex(der.unsignedInteger(Uint8Array.of(0, 0, 0x12)))).toBe('020112');
    expect(hex(der.unsignedInteger(Uint8Array.of(0xff)))).toBe('020200ff');
    expect(hex(der.unsignedInteger(new Uint8Array(0)))).toBe('020100');
    expect(() => der.smallInteger(-1)).toThrow(RangeError);
  });

  it('encodes object identifiers', () => {
    expect(hex(der.oid('2.5.4.3'))).toBe('0603550403');
    expect(hex(der.oid('1.2.840.10045.4.3.2'))).toBe('06082a8648ce3d040302');
    expect(hex(der.oid('1.2.840.113549.1.1.11'))).toBe('06092a864886f70d01010b');
    expect(() => der.oid('1')).toThrow(RangeError);
    expect(() => der.oid('1.x.3')).toThrow(RangeError);
  });

  it('encodes X.509 times: UTCTime before 2050, GeneralizedTime from 2050', () => {
    const utc = der.time(new Date(Date.UTC(2036, 0, 2, 3, 4, 5)));
    expect(utc[0]).toBe(0x17);
    expect(new TextDecoder().decode(utc.subarray(2))).toBe('360102030405Z');
    const gen = der.time(new Date(Date.UTC(2050, 11, 31, 23, 59, 59)));
    expect(gen[0]).toBe(0x18);
    expect(new TextDecoder().decode(gen.subarray(2))).toBe('20501231235959Z');
  });

  it('encodes the simple types', () => {
    expect(hex(der.boolean(true))).toBe('0101ff');
    expect(hex(der.boolean(false))).toBe('010100');
    expect(hex(der.nullValue())).toBe('0500');
    expect(hex(der.bitString(Uint8Array.of(0xab)))).toBe('030200ab');
    expect(hex(der.utf8String('é'))).toBe('0c02c3a9');
    expect(hex(der.sequence())).toBe('3000');
    expect(hex(der.set(der.nullValue()))).toBe('31020500');
    expect(hex(der.explicit(3, der.nullValue()))).toBe('a3020500');
  });
});
