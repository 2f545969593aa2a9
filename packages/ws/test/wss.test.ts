// 'wss' with the user's certificate (made here by the openssl CLI) or one from a factory, and
// pinning on the Node dialer.
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MainFlags, SubFlags, encodeFrame } from '@p2p/base';
import { wsTransport } from '../src/transport';
import { Harness, readBytes } from './helpers';

let dir: string;
let pair: { key: string; cert: string; fingerprint256: string };
let other: { key: string; cert: string; fingerprint256: string };

function selfSigned(name: string): { key: string; cert: string; fingerprint256: string } {
  const key = join(dir, `${name}.key`);
  const cert = join(dir, `${name}.pem`);
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
  const pem = readFileSync(cert, 'utf8');
  return { key: readFileSync(key, 'utf8'), cert: pem, fingerprint256: new X509Certificate(pem).fingerprint256 };
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'p2p-wss-'));
  pair = selfSigned('a');
  other = selfSigned('b');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const frame = encodeFrame({ type: MainFlags.broadcast, sender: 's', time: 1, payload: [SubFlags.broadcast, 'secret'] });

let h: Harness;
afterEach(async () => h.close());

describe("wsTransport('wss')", () => {
  it('listens with the user certificate; a pinning dialer connects and the bytes are encrypted', async () => {
    h = new Harness();
    const probe = await h.listen(wsTransport('wss', { key: pair.key, cert: pair.cert }));
    const out = await h.dial(wsTransport('wss', { pinnedFingerprints: [pair.fingerprint256] }), probe.port);
    expect(out.encrypted).toBe(true);
    expect(out.info).toMatchObject({ encryption: 'wss', peerFingerprint256: pair.fingerprint256 });
    const incoming = await probe.nextConnection();
    out.write(frame);
    expect([...(await readBytes(incoming, frame.length))]).toEqual([...frame]);
  });

  it('a certificate factory is called once, on the first listen', async () => {
    h = new Harness();
    let calls = 0;
    const transport = wsTransport('wss', { certificate: async () => (calls++, { key: pair.key, cert: pair.cert }) });
    const a = await h.listen(transport);
    await h.listen(transport);
    expect(calls).toBe(1);
    await h.dial(wsTransport('wss', { ca: pair.cert }), a.port);
  });

  it('a pinned dialer drops a server with another certificate (FINGERPRINT_MISMATCH)', async () => {
    h = new Harness();
    const probe = await h.listen(wsTransport('wss', { key: other.key, cert: other.cert }));
    await expect(wsTransport('wss', { pinnedFingerprints: [pair.fingerprint256] }).dial({ host: '127.0.0.1', port: probe.port })).rejects.toMatchObject({
      code: 'WEBSOCKET_ERROR',
      details: expect.objectContaining({ reason: 'FINGERPRINT_MISMATCH', actual: other.fingerprint256 }),
    });
  });

  it('without pins a self-signed server is refused unless rejectUnauthorized is off', async () => {
    h = new Harness();
    const probe = await h.listen(wsTransport('wss', { key: pair.key, cert: pair.cert }));
    await expect(wsTransport('wss').dial({ host: '127.0.0.1', port: probe.port })).rejects.toMatchObject({ code: 'CONNECT_FAILED' });
    await h.dial(wsTransport('wss', { rejectUnauthorized: false }), probe.port);
    // The server saw a failed TLS handshake from the first dialer, as UPGRADE_FAILED.
    expect((await probe.nextError()).error).toMatchObject({ code: 'WEBSOCKET_ERROR', details: expect.objectContaining({ reason: 'UPGRADE_FAILED' }) });
  });

  it('a wss listener without a certificate rejects with INVALID_ARGUMENT; plaintext bytes are dropped', async () => {
    h = new Harness();
    await expect(wsTransport('wss').listen({ host: '127.0.0.1', port: 0, onConnection: () => {} })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    const probe = await h.listen(wsTransport('wss', { key: pair.key, cert: pair.cert }));
    await expect(wsTransport('ws').dial({ host: '127.0.0.1', port: probe.port, timeout: 3_000 })).rejects.toBeTruthy();
    expect((await probe.nextError()).error.code).toBe('WEBSOCKET_ERROR');
  });
});
