// Scenario "mesh": 8 MeshSocket nodes on loopback in a fixed degree-4 topology; one node
// broadcasts N small messages. Measures delivery rate to every node, latency, bytes on the wire,
// and compares with a bare TCP relay doing the same fan-out with the same framing (no checksum
// check, no compression, no handlers): a ceiling for the protocol on this machine.
import * as net from 'node:net';
import { FrameReader, Protocol, decodeMsgpack, encodeFrame, tcpTransport } from '@p2p/base';
import { MeshSocket } from '@p2p/mesh';
import { EDGES, NODES, yieldIo } from './topology.mjs';

export const name = 'mesh';
export const description = '8 nodes on loopback (each dials i+1 and i+3 mod 8), one broadcasts N small messages';

const BATCH = 50;
const TIMEOUT_MS = 60_000;

const nowNs = () => Number(process.hrtime.bigint());

/** A transport that counts the bytes every connection writes (frames, before any TLS). */
function countingTransport(counter, inner = tcpTransport()) {
  const wrap = (conn) =>
    new Proxy(conn, {
      get(target, prop) {
        if (prop === 'write') {
          return (data) => {
            counter.bytes += data.length;
            return target.write(data);
          };
        }
        const value = Reflect.get(target, prop, target);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
  return {
    encryption: inner.encryption,
    listen: (options) => inner.listen({ ...options, onConnection: (c) => options.onConnection(wrap(c)) }),
    dial: async (options) => wrap(await inner.dial(options)),
  };
}

function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

function withTimeout(promise, what) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} did not finish within ${TIMEOUT_MS} ms`)), TIMEOUT_MS);
    }),
  ]).finally(() => clearTimeout(timer));
}

/**
 * The mesh run. `encryption` and `transport` (a factory, one transport per node) let the ssl
 * scenario measure the same network over TLS.
 */
export async function runMesh(messages, { encryption = 'Plaintext', transport = tcpTransport } = {}) {
  const counter = { bytes: 0 };
  const nodes = [];
  const protocol = new Protocol('mesh', encryption);
  for (let i = 0; i < NODES; i++) {
    nodes.push(await MeshSocket.listen({ protocol, maxOutgoing: 0, transport: countingTransport(counter, transport()) }));
  }
  try {
    for (const [a, b] of EDGES) await nodes[a].connect(...nodes[b].outAddr);
    while (nodes.some((n) => n.peers.size !== 4)) await new Promise((r) => setTimeout(r, 5));

    const latencies = [];
    let deliveries = 0;
    const expected = messages * (NODES - 1);
    let finish;
    const done = new Promise((resolve) => (finish = resolve));
    for (const n of nodes.slice(1)) {
      n.on('message', (m) => {
        latencies.push(nowNs() - m.packets[3]);
        n.recv();
        if (++deliveries === expected) finish();
      });
    }
    const bytesBefore = counter.bytes;
    const start = nowNs();
    for (let i = 0; i < messages; i++) {
      nodes[0].send(['bench', i, nowNs()]);
      if (i % BATCH === BATCH - 1) await yieldIo();
    }
    await withTimeout(done, 'mesh delivery');
    const elapsed = (nowNs() - start) / 1e9;
    return { elapsed, latencies, bytes: counter.bytes - bytesBefore, duplicatesDropped: 0 };
  } finally {
    await Promise.all(nodes.map((n) => n.close()));
  }
}

/** Frames written in one tick leave in one syscall, as MeshConnection batches them. */
function batchedWrite(socket, frame) {
  if (socket.writableCorked === 0) {
    socket.cork();
    process.nextTick(() => socket.uncork());
  }
  socket.write(frame);
}

/** The same fan-out by plain TCP relays: same frames, dedup by checksum, no other work. */
async function runBaseline(messages) {
  const servers = [];
  const links = Array.from({ length: NODES }, () => []);
  const counter = { bytes: 0 };
  const latencies = [];
  let deliveries = 0;
  const expected = messages * (NODES - 1);
  let finish;
  const done = new Promise((resolve) => (finish = resolve));

  const attach = (index, socket) => {
    socket.setNoDelay(true);
    links[index].push(socket);
    const reader = new FrameReader();
    socket.on('data', (chunk) => {
      for (const body of reader.push(chunk)) {
        const key = Buffer.from(body.buffer, body.byteOffset, 32).toString('latin1');
        if (seenBy[index].has(key)) continue;
        seenBy[index].add(key);
        const frame = new Uint8Array(body.length + 4);
        new DataView(frame.buffer).setUint32(0, body.length);
        frame.set(body, 4);
        for (const other of links[index]) {
          if (other === socket) continue;
          counter.bytes += frame.length;
          batchedWrite(other, frame);
        }
        const packet = decodeMsgpack(body.subarray(32));
        latencies.push(nowNs() - packet[6]);
        if (++deliveries === expected) finish();
      }
    });
  };
  const seenBy = Array.from({ length: NODES }, () => new Set());

  try {
    for (let i = 0; i < NODES; i++) {
      const server = net.createServer((s) => attach(i, s));
      await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
      servers.push(server);
    }
    for (const [a, b] of EDGES) {
      const socket = net.connect(servers[b].address().port, '127.0.0.1');
      await new Promise((resolve) => socket.once('connect', resolve));
      attach(a, socket);
    }
    while (links.some((l) => l.length !== 4)) await new Promise((r) => setTimeout(r, 5));

    const start = nowNs();
    // A sender id as long as a real node id (66 base58 characters), so frames have the same size.
    const sender = 'B'.repeat(66);
    for (let i = 0; i < messages; i++) {
      const frame = encodeFrame({ type: 0, sender, time: Math.floor(Date.now() / 1000), payload: [0, 'bench', i, nowNs()] });
      seenBy[0].add(Buffer.from(frame.buffer, frame.byteOffset + 4, 32).toString('latin1'));
      for (const s of links[0]) {
        counter.bytes += frame.length;
        batchedWrite(s, frame);
      }
      if (i % BATCH === BATCH - 1) await yieldIo();
    }
    await withTimeout(done, 'baseline delivery');
    const elapsed = (nowNs() - start) / 1e9;
    return { elapsed, latencies, bytes: counter.bytes };
  } finally {
    for (const l of links) for (const s of l) s.destroy();
    await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  }
}

export function summarise(r, messages) {
  const sorted = Float64Array.from(r.latencies).sort();
  return {
    messagesPerSecond: messages / r.elapsed,
    deliveriesPerSecond: (messages * (NODES - 1)) / r.elapsed,
    p50Ms: percentile(sorted, 50) / 1e6,
    p99Ms: percentile(sorted, 99) / 1e6,
    bytesPerMessage: r.bytes / messages,
    seconds: r.elapsed,
  };
}

export async function run({ messages }) {
  const mesh = summarise(await runMesh(messages), messages);
  const baseline = summarise(await runBaseline(messages), messages);
  return {
    messages,
    nodes: NODES,
    mesh,
    baseline,
    results: [
      { label: 'messages', value: messages, unit: `(each delivered to ${NODES - 1} nodes)` },
      { label: 'mesh: messages/s delivered to every node', value: mesh.messagesPerSecond, unit: 'msg/s' },
      { label: 'mesh: deliveries/s', value: mesh.deliveriesPerSecond, unit: 'deliveries/s' },
      { label: 'mesh: latency p50', value: mesh.p50Ms, unit: 'ms' },
      { label: 'mesh: latency p99', value: mesh.p99Ms, unit: 'ms' },
      { label: 'mesh: bytes on the wire per message', value: Math.round(mesh.bytesPerMessage), unit: 'B (all links, snappy)' },
      { label: 'bare TCP relay: messages/s', value: baseline.messagesPerSecond, unit: 'msg/s' },
      { label: 'bare TCP relay: latency p50 / p99', value: `${baseline.p50Ms.toFixed(2)} / ${baseline.p99Ms.toFixed(2)}`, unit: 'ms' },
      { label: 'bare TCP relay: bytes per message', value: Math.round(baseline.bytesPerMessage), unit: 'B (all links, raw)' },
      { label: 'mesh / bare relay throughput', value: mesh.messagesPerSecond / baseline.messagesPerSecond, unit: 'x' },
    ],
  };
}
