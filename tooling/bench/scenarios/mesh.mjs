// Scenario "mesh": 8 MeshSocket nodes on loopback in a fixed degree-4 topology, in this one
// process; one node broadcasts N small messages (N = 2,000 and 20,000 unless -n is given).
// Beside it, in the same run, a bare TCP relay does the same fan-out with the same frames
// (de-duplication by checksum, no checksum check, no compression, no handlers): a ceiling for
// the protocol on this machine. Reports throughput and its ratio to the relay, latency and the
// p99 ratio, lost and duplicate deliveries (counted per node and message), bytes on the wire,
// and the CPU time per message of each (steadier than wall time on a shared machine).
import * as net from 'node:net';
import * as tls from 'node:tls';
import { FrameReader, Protocol, decodeMsgpack, encodeFrame, tcpTransport } from '@p2p/base';
import { MeshSocket } from '@p2p/mesh';
import { EDGES, NODES, network, yieldIo } from './topology.mjs';

export const name = 'mesh';
export const description = '8 nodes in one process on loopback (each dials i+1 and i+3 mod 8), one broadcasts N small messages; beside a bare TCP relay';

/** Sizes run when -n is not given. */
export const SIZES = [2_000, 20_000];
const BATCH = 50;
/** A run stops when no delivery happened for this long; what is missing then counts as lost. */
const STALL_MS = 10_000;

const nowNs = () => Number(process.hrtime.bigint());

function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/**
 * Counts deliveries of messages 0..messages-1 at `nodes` receivers: unique ones, duplicates,
 * latencies. `done` resolves when every receiver has every message, or after STALL_MS without
 * progress.
 */
export function deliveryLedger(receivers, messages) {
  const seen = Array.from({ length: receivers }, () => new Uint8Array(messages));
  const latencies = new Float64Array(receivers * messages);
  const expected = receivers * messages;
  const ledger = { unique: 0, duplicates: 0, latencies, expected };
  let finish;
  let last = Date.now();
  ledger.done = new Promise((resolve) => (finish = resolve));
  const watchdog = setInterval(() => {
    if (Date.now() - last > STALL_MS) finish();
  }, 500);
  ledger.done.then(() => clearInterval(watchdog));
  /** Receiver `r` got message `i`, sent at `sentNs`. */
  ledger.deliver = (r, i, sentNs) => {
    if (seen[r][i]++ > 0) {
      ledger.duplicates++;
      return;
    }
    latencies[ledger.unique++] = nowNs() - sentNs;
    last = Date.now();
    if (ledger.unique === expected) finish();
  };
  return ledger;
}

/** The figures of one network run. */
function outcome(ledger, elapsedNs, cpu, bytes, messages) {
  return {
    elapsed: elapsedNs / 1e9,
    latencies: ledger.latencies.subarray(0, ledger.unique),
    lost: ledger.expected - ledger.unique,
    duplicates: ledger.duplicates,
    cpuMs: (cpu.user + cpu.system) / 1000,
    bytes,
    messages,
  };
}

/**
 * The mesh run. `encryption` and `transport` (a factory, one transport per node) let the ssl
 * and ws scenarios measure the same network over another transport, `auth` the auth scenario
 * in an authenticated subnet.
 */
export async function runMesh(messages, { encryption = 'Plaintext', transport = tcpTransport, auth = false } = {}) {
  const protocol = new Protocol('mesh', encryption, { auth });
  const nodes = await network(() => MeshSocket.listen({ protocol, maxOutgoing: 0, transport: transport() }));
  try {
    const ledger = deliveryLedger(NODES - 1, messages);
    nodes.slice(1).forEach((n, r) => {
      n.on('message', (m) => {
        ledger.deliver(r, m.packets[2], m.packets[3]);
        n.recv();
      });
    });
    const bytesBefore = bytesSent(nodes);
    const cpu = process.cpuUsage();
    const start = nowNs();
    for (let i = 0; i < messages; i++) {
      nodes[0].send(['bench', i, nowNs()]);
      if (i % BATCH === BATCH - 1) await yieldIo();
    }
    await ledger.done;
    const elapsed = nowNs() - start;
    return outcome(ledger, elapsed, process.cpuUsage(cpu), bytesSent(nodes) - bytesBefore, messages);
  } finally {
    await Promise.all(nodes.map((n) => n.close()));
  }
}

/** Frame bytes every node has written on its open links (before any TLS or WebSocket framing). */
function bytesSent(nodes) {
  let total = 0;
  for (const n of nodes) for (const c of n.peers.values()) total += c.bytesSent;
  return total;
}

/** Frames written in one tick leave in one syscall, as mesh links batch them. */
function batchedWrite(socket, frame) {
  if (socket.writableCorked === 0) {
    socket.cork();
    process.nextTick(() => socket.uncork());
  }
  socket.write(frame);
}

/**
 * The same fan-out by plain TCP relays: same frames, dedup by checksum, no other work. With
 * `tlsCertificate` ({ key, cert }) every link is TLS instead (the ssl scenario's reference:
 * what Node's TLS costs a relay that does nothing else).
 */
export async function runBaseline(messages, { tlsCertificate } = {}) {
  const servers = [];
  const links = Array.from({ length: NODES }, () => []);
  const seenBy = Array.from({ length: NODES }, () => new Set());
  let bytes = 0;
  const ledger = deliveryLedger(NODES - 1, messages);

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
          bytes += frame.length;
          batchedWrite(other, frame);
        }
        const packet = decodeMsgpack(body.subarray(32));
        ledger.deliver(index - 1, packet[5], packet[6]);
      }
    });
  };

  try {
    for (let i = 0; i < NODES; i++) {
      const server = tlsCertificate ? tls.createServer(tlsCertificate, (s) => attach(i, s)) : net.createServer((s) => attach(i, s));
      await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
      servers.push(server);
    }
    for (const [a, b] of EDGES) {
      const port = servers[b].address().port;
      const socket = tlsCertificate ? tls.connect({ port, host: '127.0.0.1', rejectUnauthorized: false }) : net.connect(port, '127.0.0.1');
      await new Promise((resolve) => socket.once(tlsCertificate ? 'secureConnect' : 'connect', resolve));
      attach(a, socket);
    }
    while (links.some((l) => l.length !== 4)) await new Promise((r) => setTimeout(r, 5));

    const cpu = process.cpuUsage();
    const start = nowNs();
    // A sender id as long as a real node id (66 base58 characters), so frames have the same size.
    const sender = 'B'.repeat(66);
    for (let i = 0; i < messages; i++) {
      const frame = encodeFrame({ type: 0, sender, time: Math.floor(Date.now() / 1000), payload: [0, 'bench', i, nowNs()] });
      seenBy[0].add(Buffer.from(frame.buffer, frame.byteOffset + 4, 32).toString('latin1'));
      for (const s of links[0]) {
        bytes += frame.length;
        batchedWrite(s, frame);
      }
      if (i % BATCH === BATCH - 1) await yieldIo();
    }
    await ledger.done;
    const elapsed = nowNs() - start;
    return outcome(ledger, elapsed, process.cpuUsage(cpu), bytes, messages);
  } finally {
    for (const l of links) for (const s of l) s.destroy();
    await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  }
}

export function summarise(r) {
  const sorted = Float64Array.from(r.latencies).sort();
  return {
    messagesPerSecond: r.messages / r.elapsed,
    deliveriesPerSecond: (r.messages * (NODES - 1)) / r.elapsed,
    p50Ms: percentile(sorted, 50) / 1e6,
    p99Ms: percentile(sorted, 99) / 1e6,
    bytesPerMessage: r.bytes / r.messages,
    cpuUsPerMessage: (r.cpuMs * 1000) / r.messages,
    lost: r.lost,
    duplicates: r.duplicates,
    seconds: r.elapsed,
    messages: r.messages,
  };
}

/** The rows comparing one mesh run with the relay run beside it; `tag` prefixes every label. */
export function comparisonRows(tag, mesh, relay) {
  return [
    { label: `${tag}mesh: messages/s delivered to every node`, value: mesh.messagesPerSecond, unit: 'msg/s', ratio: mesh.messagesPerSecond / relay.messagesPerSecond, goal: '>= 0.6' },
    { label: `${tag}bare relay: messages/s`, value: relay.messagesPerSecond, unit: 'msg/s' },
    { label: `${tag}mesh: latency p50 / p99`, value: `${mesh.p50Ms.toFixed(2)} / ${mesh.p99Ms.toFixed(2)}`, unit: 'ms' },
    { label: `${tag}bare relay: latency p50 / p99`, value: `${relay.p50Ms.toFixed(2)} / ${relay.p99Ms.toFixed(2)}`, unit: 'ms' },
    { label: `${tag}mesh p99 / relay p99`, value: mesh.p99Ms / relay.p99Ms, unit: 'x', goal: '<= 3' },
    { label: `${tag}mesh: lost deliveries`, value: mesh.lost, unit: `of ${mesh.messages * (NODES - 1)}`, goal: '= 0' },
    { label: `${tag}mesh: duplicate deliveries`, value: mesh.duplicates, unit: 'deliveries', goal: '= 0' },
    { label: `${tag}bare relay: lost / duplicate deliveries`, value: `${relay.lost} / ${relay.duplicates}` },
    { label: `${tag}CPU per message: mesh / relay`, value: `${mesh.cpuUsPerMessage.toFixed(0)} / ${relay.cpuUsPerMessage.toFixed(0)}`, unit: 'µs', ratio: relay.cpuUsPerMessage / mesh.cpuUsPerMessage },
    { label: `${tag}bytes on the wire per message: mesh / relay`, value: `${Math.round(mesh.bytesPerMessage)} / ${Math.round(relay.bytesPerMessage)}`, unit: 'B (all links; mesh snappy, relay raw)' },
  ];
}

/** Messages of the unreported first round of each, so neither pays for the JIT warming up. */
const WARMUP = 500;

export async function run({ messages }) {
  const sizes = messages === undefined ? SIZES : [messages];
  const results = [];
  const runs = [];
  await runMesh(WARMUP);
  await runBaseline(WARMUP);
  for (const n of sizes) {
    const mesh = summarise(await runMesh(n));
    const relay = summarise(await runBaseline(n));
    runs.push({ messages: n, mesh, relay });
    results.push(...comparisonRows(sizes.length > 1 ? `N=${n.toLocaleString('en-US')}: ` : '', mesh, relay));
  }
  return { nodes: NODES, runs, results };
}
