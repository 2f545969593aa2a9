// Two TLS endpoints on loopback: the dialer pins the listener's certificate, then they exchange
// a @p2p frame. The test suite runs this file; `node examples/pinned-pair.mjs` works after a build.
import { tlsTransport } from '@p2p/ssl';
import { FrameReader, MainFlags, SubFlags, decodeFrameBody, encodeFrame } from '@p2p/base';

const server = tlsTransport(); // generates a self-signed ECDSA P-256 certificate on first use
const { fingerprint256 } = await server.certificate();

let resolve;
const received = new Promise((r) => (resolve = r));
const reader = new FrameReader();
const listener = await server.listen({
  host: '127.0.0.1',
  port: 0,
  onConnection: (incoming) =>
    incoming.on('data', (chunk) => {
      for (const body of reader.push(chunk)) resolve({ incoming, message: decodeFrameBody(body) });
    }),
  // Plaintext clients, stalled or failed handshakes land here as TLS_ERROR, never as a crash.
  onError: (error) => console.error(error.code, error.details.reason),
});

// Pinning the server's fingerprint turns "encrypted" into "encrypted to the right peer".
const client = tlsTransport({ pinnedFingerprints: [fingerprint256] });
const connection = await client.dial({ host: '127.0.0.1', port: listener.address.port, timeout: 5_000 });
console.log(connection.info.protocol, connection.info.peerFingerprint256 === fingerprint256); // TLSv1.3 true

connection.write(encodeFrame({ type: MainFlags.broadcast, sender: 'me', time: 1500000000, payload: [SubFlags.broadcast, 'hi over TLS'] }));
const { incoming, message } = await received;
console.log(message.payload); // [ 0, 'hi over TLS' ]

connection.end();
incoming.end();
await listener.close();
