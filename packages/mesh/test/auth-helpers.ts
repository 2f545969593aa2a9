/**
 * Test peers for authenticated subnets: a hand-driven peer over real TCP (RawPeer) that holds an
 * Identity and speaks the handshake proof from the protocol description, so a test can make it
 * lie in exactly one place; a recording TCP proxy; a transport that reports a TLS peer key.
 */
import * as net from 'node:net';
import {
  CompressionFlags,
  FrameReader,
  Identity,
  MainFlags,
  Protocol,
  SubFlags,
  createTransport,
  decodeFrameBody,
  frameFromPacked,
  sha256,
  type MetricsSnapshot,
  type PacketFields,
  type Transport,
  type WireMessage,
} from '@p2p/base';
import type { MeshSocket } from '../src/index';
import { AUTH_SUBFLAG, AuthKind, makeProof, newNonce } from '../src/auth-handshake';
import { MessageSigner } from '../src/message-signing';
import { RawPeer, track } from './helpers';
import { overriding, wrapConnections } from './wrap-transport';

export const AUTH = new Protocol('authmesh', 'Plaintext', { auth: true });

/** The sum of a counter's series with these labels (0 when absent). */
export function count(socket: MeshSocket, name: string, labels: Record<string, string> = {}): number {
  const snap: MetricsSnapshot = socket.metrics();
  const metric = snap.metrics.find((m) => m.name === name);
  if (!metric || metric.kind === 'histogram') return 0;
  return metric.series.filter((s) => Object.entries(labels).every(([k, v]) => s.labels[k] === v)).reduce((n, s) => n + s.value, 0);
}

export interface JoinOptions {
  /** The id the handshake claims. @default identity.id */
  claim?: string;
  /** Hello bytes to send instead of a hello of our own (a replayed one). */
  hello?: Uint8Array;
  /** The sender field (and so the key that must sign) of the proof message. @default the claim */
  proofSender?: string;
  /** Stop after sending the proof (do not wait for the peers reply). */
  noWait?: boolean;
}

/** A peer with a key, driven by hand: every message it sends is signed unless the test says otherwise. */
export class KeyedPeer {
  readonly raw: RawPeer;
  readonly identity: Identity;
  readonly signer: MessageSigner;
  nonce = newNonce();

  private constructor(raw: RawPeer, identity: Identity) {
    this.raw = raw;
    this.identity = identity;
    this.signer = new MessageSigner(identity, AUTH.subnet);
  }

  /** Connects to `node` and waits for its handshake and hello; `theirNonce` is the hello's. */
  static async open(node: MeshSocket, identity = Identity.generate()): Promise<{ peer: KeyedPeer; theirNonce: Uint8Array }> {
    const raw = track(await RawPeer.connect(node.outAddr[1], { id: identity.id }));
    await raw.nextWhere((f) => f.wire.payload[0] === SubFlags.handshake);
    const theirHello = await raw.nextWhere((f) => f.wire.payload[0] === AUTH_SUBFLAG && f.wire.payload[1] === AuthKind.hello);
    return { peer: new KeyedPeer(raw, identity), theirNonce: theirHello.wire.payload[2] as Uint8Array };
  }

  /** Connects to `node` and runs the handshake with `identity`, claiming `options.claim`. */
  static async join(node: MeshSocket, identity = Identity.generate(), options: JoinOptions = {}): Promise<KeyedPeer> {
    const { peer, theirNonce } = await KeyedPeer.open(node, identity);
    const raw = peer.raw;
    const claim = options.claim ?? identity.id;
    raw.sendHandshake(node.protocol.idBytes(), { id: claim });
    if (options.hello) raw.write(options.hello);
    else peer.sendSigned({ type: MainFlags.whisper, sender: identity.id, time: now(), payload: [AUTH_SUBFLAG, AuthKind.hello, peer.nonce] });
    const proof = makeProof(identity, {
      protocolId: node.protocol.id,
      signerId: claim,
      verifierId: node.id,
      signerNonce: peer.nonce,
      verifierNonce: theirNonce,
    });
    await raw.nextWhere((f) => f.wire.payload[0] === AUTH_SUBFLAG && f.wire.payload[1] === AuthKind.proof).catch(() => undefined);
    if (raw.socket.destroyed) return peer;
    peer.sendSigned({ type: MainFlags.whisper, sender: options.proofSender ?? claim, time: now(), payload: [AUTH_SUBFLAG, AuthKind.proof, proof] });
    if (!options.noWait) await raw.nextWhere((f) => f.wire.payload[0] === SubFlags.peers);
    return peer;
  }

  /** Packs `fields` signed by this peer's key (whatever `fields.sender` says) and writes it. */
  sendSigned(fields: PacketFields): Uint8Array {
    const { packed, id } = this.signer.pack(fields);
    this.raw.write(frameFromPacked(packed, id));
    return packed;
  }

  /** Writes packed bytes as a frame whose checksum matches them. */
  sendPacked(packed: Uint8Array): void {
    this.raw.write(frameFromPacked(packed, sha256(packed)));
  }
}

export function now(): number {
  return Math.floor(Date.now() / 1000);
}

/** A TCP proxy on 127.0.0.1:0 to `port` that records, as whole frames, what the dialer sends through it. */
export async function recordingProxy(port: number): Promise<{ port: number; frames: Uint8Array[]; close(): Promise<void> }> {
  const frames: Uint8Array[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect({ host: '127.0.0.1', port });
    const reader = new FrameReader();
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => {});
      s.on('close', () => (client.destroy(), upstream.destroy()));
    }
    client.on('data', (chunk) => {
      for (const body of reader.push(chunk)) {
        const frame = new Uint8Array(4 + body.length);
        new DataView(frame.buffer).setUint32(0, body.length);
        frame.set(body, 4);
        frames.push(frame);
      }
      upstream.write(chunk);
    });
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const close = () => {
    for (const s of sockets) s.destroy();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  };
  track({ close });
  return { port: (server.address() as net.AddressInfo).port, frames, close };
}

/** A recorded frame, decoded (under any compression). */
export function decodeRecorded(frame: Uint8Array): WireMessage {
  return decodeFrameBody(frame.subarray(4), { candidates: [null, CompressionFlags.snappy, CompressionFlags.zlib, CompressionFlags.gzip] });
}

/** TCP whose connections report `info.peerPublicKey`, as @p2p/ssl does for an Ed25519 certificate. */
export function keyReportingTransport(key: () => Uint8Array): Transport {
  return wrapConnections(createTransport('Plaintext'), (conn) =>
    overriding(conn, {
      get info() {
        return { ...conn.info, peerPublicKey: key() };
      },
    }),
  );
}
