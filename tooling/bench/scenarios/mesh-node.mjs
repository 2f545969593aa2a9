// One node of the mesh-procs scenario, in its own process, driven by the parent over IPC
// (procs.mjs). `node mesh-node.mjs <index> mesh` runs a MeshSocket over plain TCP, `mesh-ssl`
// one over @p2p/ssl (its own self-signed certificate), `relay` the bare TCP relay of the mesh
// scenario. Requests from the parent:
//   listen                  -> { port }
//   connect { ports }       -> {}            dial these loopback ports
//   peers                   -> { peers }     links up
//   begin / end             -> { cpuMs, waits, preempted }  this process's counters
//                                            (procs.mjs); with BENCH_CHILD_PROF the profile of
//                                            the phase between them
//   expect { messages }     -> {}            counts deliveries of messages 0..messages-1 from now
//   delivered               -> once they are in (or stalled) { unique, duplicates, latencies, endNs }
//   send { messages }       -> { startNs }   once every message is written
//   close                   -> {}, then exits
import * as net from 'node:net';
import { FrameReader, Protocol, decodeMsgpack, encodeFrame } from '@p2p/base';
import { MeshSocket } from '@p2p/mesh';
import { tlsTransport } from '@p2p/ssl';
import { deliveryLedger } from './mesh.mjs';
import { phaseProfile, processCounters, serve } from './procs.mjs';
import { yieldIo } from './topology.mjs';

const [index, role] = process.argv.slice(2);
const BATCH = 50;
const nowNs = () => Number(process.hrtime.bigint());

/** What either kind of node offers the parent. */
const node = role === 'relay' ? relayNode() : meshNode(role === 'mesh-ssl');
const profile = phaseProfile(`${role}-${index}`);

serve({
  listen: async () => ({ port: await node.listen() }),
  async connect({ ports }) {
    for (const port of ports) await node.connect(port);
  },
  peers: () => ({ peers: node.peers() }),
  async begin() {
    await profile.start();
    return processCounters();
  },
  async end() {
    const at = processCounters();
    await profile.stop();
    return at;
  },
  expect({ messages }) {
    const ledger = deliveryLedger(1, messages);
    node.onDelivery = (i, sentNs) => ledger.deliver(0, i, sentNs);
    node.delivered = ledger.done.then(() => {
      node.onDelivery = undefined;
      return { unique: ledger.unique, duplicates: ledger.duplicates, latencies: ledger.latencies.slice(0, ledger.unique), endNs: nowNs() };
    });
  },
  delivered: () => node.delivered,
  async send({ messages }) {
    const startNs = nowNs();
    for (let i = 0; i < messages; i++) {
      node.send(i);
      if (i % BATCH === BATCH - 1) await yieldIo();
    }
    return { startNs };
  },
  close: () => node.close(),
});

/** A MeshSocket node; over TLS when `ssl`. */
function meshNode(ssl) {
  let socket;
  const self = {
    onDelivery: undefined,
    async listen() {
      const transport = ssl ? { transport: tlsTransport() } : {};
      socket = await MeshSocket.listen({ protocol: new Protocol('mesh', ssl ? 'SSL' : 'Plaintext'), host: '127.0.0.1', maxOutgoing: 0, ...transport });
      socket.on('message', (msg) => {
        self.onDelivery?.(msg.packets[2], msg.packets[3]);
        socket.recv();
      });
      return socket.outAddr[1];
    },
    connect: (port) => socket.connect('127.0.0.1', port),
    peers: () => socket.peers.size,
    send: (i) => socket.send(['bench', i, nowNs()]),
    close: () => socket.close(),
  };
  return self;
}

function relayNode() {
  let server;
  const links = [];
  const seen = new Set();
  const self = { onDelivery: undefined };
  const batchedWrite = (socket, frame) => {
    if (socket.writableCorked === 0) {
      socket.cork();
      process.nextTick(() => socket.uncork());
    }
    socket.write(frame);
  };
  const attach = (socket) => {
    socket.setNoDelay(true);
    links.push(socket);
    const reader = new FrameReader();
    socket.on('data', (chunk) => {
      for (const body of reader.push(chunk)) {
        const key = Buffer.from(body.buffer, body.byteOffset, 32).toString('latin1');
        if (seen.has(key)) continue;
        seen.add(key);
        const frame = new Uint8Array(body.length + 4);
        new DataView(frame.buffer).setUint32(0, body.length);
        frame.set(body, 4);
        for (const other of links) if (other !== socket) batchedWrite(other, frame);
        const packet = decodeMsgpack(body.subarray(32));
        self.onDelivery?.(packet[5], packet[6]);
      }
    });
  };
  const sender = 'B'.repeat(66);
  Object.assign(self, {
    listen: () =>
      new Promise((resolve) => {
        server = net.createServer(attach);
        server.listen(0, '127.0.0.1', () => resolve(server.address().port));
      }),
    connect: (port) =>
      new Promise((resolve) => {
        const socket = net.connect(port, '127.0.0.1', () => resolve());
        attach(socket);
      }),
    peers: () => links.length,
    send: (i) => {
      const frame = encodeFrame({ type: 0, sender, time: Math.floor(Date.now() / 1000), payload: [0, 'bench', i, nowNs()] });
      seen.add(Buffer.from(frame.buffer, frame.byteOffset + 4, 32).toString('latin1'));
      for (const s of links) batchedWrite(s, frame);
    },
    close: async () => {
      for (const s of links) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  });
  return self;
}
