import { execFileSync } from 'node:child_process';
import { X509Certificate, createPrivateKey, createPublicKey } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { certificateFingerprint, generateCertificate, normalizeFingerprint } from '../src/transport';

function hasOpenssl(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('generateCertificate', () => {
  for (const keyType of ['ec', 'rsa'] as const) {
    it(`makes a valid self-signed ${keyType} certificate shaped like py2p's`, async () => {
      const now = Date.UTC(2026, 0, 15, 12, 0, 0);
      const { key, cert, fingerprint256 } = await generateCertificate({ keyType, now, commonName: 'cryptography.io' });
      const x509 = new X509Certificate(cert);
      const privateKey = createPrivateKey(key);
      expect(x509.checkPrivateKey(privateKey)).toBe(true);
      expect(x509.verify(createPublicKey(privateKey))).toBe(true); // self-signed
      expect(x509.subject).toBe('CN=cryptography.io');
      expect(x509.issuer).toBe('CN=cryptography.io');
      expect(x509.ca).toBe(false);
      expect(new Date(x509.validFrom).getTime()).toBe(now - 86_400_000);
      expect(new Date(x509.validTo).getTime()).toBe(now + 3650 * 86_400_000);
      expect(x509.publicKey.asymmetricKeyType).toBe(keyType);
      if (keyType === 'ec') expect(x509.publicKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
      else expect(x509.publicKey.asymmetricKeyDetails?.modulusLength).toBe(2048);
      expect(fingerprint256).toBe(x509.fingerprint256);
      expect(certificateFingerprint(x509.raw)).toBe(fingerprint256);
      expect(x509.serialNumber).toMatch(/^[0-9A-F]{32}$/);
    });
  }

  it('gives every certificate its own key and serial', async () => {
    const [a, b] = await Promise.all([generateCertificate(), generateCertificate()]);
    expect(a.fingerprint256).not.toBe(b.fingerprint256);
    expect(new X509Certificate(a.cert).serialNumber).not.toBe(new X509Certificate(b.cert).serialNumber);
  });

  it.skipIf(!hasOpenssl())('is accepted by the openssl command line (sha256, critical CA:FALSE)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'p2p-ssl-'));
    try {
      for (const keyType of ['ec', 'rsa'] as const) {
        const { cert } = await generateCertificate({ keyType });
        const file = join(dir, `${keyType}.pem`);
        writeFileSync(file, cert);
        const text = execFileSync('openssl', ['x509', '-in', file, '-noout', '-text'], { encoding: 'utf8' });
        expect(text).toContain('Version: 3 (0x2)');
        expect(text).toMatch(keyType === 'ec' ? /ecdsa-with-SHA256/ : /sha256WithRSAEncryption/);
        expect(text).toMatch(/X509v3 Basic Constraints: critical\s+CA:FALSE/);
        const verify = execFileSync('openssl', ['verify', '-CAfile', file, '-check_ss_sig', file], { encoding: 'utf8' });
        expect(verify.trim()).toBe(`${file}: OK`);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('rejects bad options with INVALID_ARGUMENT', async () => {
    await expect(generateCertificate({ keyType: 'dsa' as never })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(generateCertificate({ commonName: '' })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });
});

describe('normalizeFingerprint', () => {
  const canonical = 'AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89';
  it('accepts the colon form and bare hex in any case', () => {
    expect(normalizeFingerprint(canonical)).toBe(canonical);
    expect(normalizeFingerprint(canonical.toLowerCase())).toBe(canonical);
    expect(normalizeFingerprint(canonical.replace(/:/g, ''))).toBe(canonical);
    expect(normalizeFingerprint(` ${canonical.replace(/:/g, ' ')} `)).toBe(canonical);
  });
  it('rejects anything that is not a SHA-256 digest', () => {
    for (const bad of ['', 'AB:CD', canonical + ':00', canonical.replace('A', 'G'), 42 as unknown as string]) {
      expect(() => normalizeFingerprint(bad)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    }
  });
});
