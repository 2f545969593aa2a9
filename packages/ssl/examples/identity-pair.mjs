// Two TLS endpoints on loopback with node identities: each certificate is made from its node's
// Ed25519 key, and each side reports the key of the other. The test suite runs this file.
import { tlsTransport } from '@p2p/ssl';
import { Identity, toHex } from '@p2p/base';

// Two node identities; each transport's certificate is made from its node's Ed25519 key.
const alice = Identity.generate();
const bob = Identity.generate();

let accepted;
const incoming = new Promise((resolve) => (accepted = resolve));
const listener = await tlsTransport({ identity: bob }).listen({
  host: '127.0.0.1',
  port: 0,
  onConnection: accepted,
  // A peer without an Ed25519 certificate lands here: TLS_ERROR, reason PEER_KEY_MISSING.
  onError: (error) => console.error(error.code, error.details.reason),
});

const connection = await tlsTransport({ identity: alice }).dial({ host: '127.0.0.1', port: listener.address.port, timeout: 5_000 });
const atBob = await incoming;
// Each side learns the key TLS proved the other holds: the mesh checks it against the handshake.
console.log(toHex(connection.info.peerPublicKey) === toHex(bob.publicKey)); // true
console.log(toHex(atBob.info.peerPublicKey) === toHex(alice.publicKey)); // true

connection.end();
atBob.end();
await listener.close();
