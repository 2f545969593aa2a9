// One node of the mesh-procs scenario, in its own process, driven by the parent over IPC.
// `node mesh-node.mjs mesh` runs a MeshSocket, `node mesh-node.mjs relay` the bare TCP relay
// of the mesh scenario. Messages from the parent:
//   { cmd: 'listen' }                  -> { port }
//   { cmd: 'connect', ports: [...] }   -> { ok }        dial these loopback ports
//   { cmd: 'peers' }                   -> { peers }     links up
//   { cmd: 'expect', messages }        -> later { done, unique, duplicates, latencies, endNs, cpuMs }
//   { cmd: 'send', messages }          -> { startNs, cpuMs } once every message is written
//   { cmd: 'close' }                   -> { closed }, then exits
import * as net from 'node:net';
import { FrameReader, Protocol, decodeMsgpack, encodeFrame } from '@p2p/base';
import { MeshSocket } from '@p2p/mesh';
import { deliveryLedger } from './mesh.mjs';
import { yieldIo } from './topology.mjs';

const role = process.argv[2];
const BATCH = 50;
const nowNs = () => Number(process.hrtime.bigint());
const reply = (message) => process.send(message);

/** What either kind of node offers the parent. */
const node = role === 'mesh' ? await meshNode() : relayNode();

process.on('message', async (m) => {
  switch (m.cmd) {
    case 'listen':
      return reply({ port: await node.listen() });
    case 'connect':
      for (const port of m.ports) await node.connect(port);
      return reply({ ok: true });
    case 'peers':
      return reply({ peers: node.peers() });
    case 'expect': {
      const ledger = deliveryLedger(1, m.messages);
      node.onDelivery = (i, sentNs) => ledger.deliver(0, i, sentNs);
      const cpu = process.cpuUsage();
      await ledger.done;
      const used = process.cpuUsage(cpu);
      return reply({
        done: true,
        unique: ledger.unique,
        duplicates: ledger.duplicates,
        latencies: ledger.latencies.slice(0, ledger.unique),
        endNs: nowNs(),
        cpuMs: (used.user + used.system) / 1000,
      });
    }
    case 'send': {
      const cpu = process.cpuUsage();
      const startNs = nowNs();
      for (let i = 0; i < m.messages; i++) {
        node.send(i);
        if (i % BATCH === BATCH - 1) await yieldIo();
      }
      // The sender keeps relaying nothing back; its CPU counts until the receivers are done.
      node.sendCpu = cpu;
      return reply({ startNs });
    }
    case 'cpu': {
      const used = process.cpuUsage(node.sendCpu);
      return reply({ cpuMs: (used.user + used.system) / 1000 });
    }
    case 'close':
      await node.close();
      process.send({ closed: true }, () => process.exit(0));
  }
});
reply({ ready: true });

async function meshNode() {
  let socket;
  const self = {
    onDelivery: undefined,
    async listen() {
      socket = await MeshSocket.listen({ protocol: new Protocol('mesh', 'Plaintext'), maxOutgoing: 0 });
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
