/**
 * Decode amplification: three nodes in child processes, joined in a triangle. A raw client that
 * never handshakes, then one that does, each writes the 16M-empty-maps broadcast (~16 KB of
 * zlib) six times and each of its friends once (nils, empty arrays, deep nesting, a huge map,
 * gzip, raw). Goal: every node alive, every node's heap under 400 MiB at its sampled peak and
 * after, and the network still relays an honest broadcast.
 */
import net from 'node:net';
import { MainFlags, SubFlags, base58Encode, encodeFrame, utf8Encode } from '@p2p/base';
import { MeshSocket } from '@p2p/mesh';
import { startTarget, type Target } from '../child';
import { bombFamily, emptyMapsBomb } from '../hostile';
import { Checks, MiB, toMiB, type ScenarioResult } from '../report';

const HEAP_GOAL = 400 * MiB;

export async function amplification(options: { scale: number; repeats: number }): Promise<ScenarioResult> {
  const { scale, repeats } = options;
  const checks = new Checks();
  const nodes: Target[] = await Promise.all([0, 1, 2].map(() => startTarget({ kind: 'mesh', maxHeapMiB: 1024 })));
  const watcher = await MeshSocket.listen({ host: '127.0.0.1', maxOutgoing: 0, limits: { maxPeersPerList: 0 } });
  try {
    await nodes[1]!.connect('127.0.0.1', nodes[0]!.port);
    await nodes[2]!.connect('127.0.0.1', nodes[1]!.port);
    await nodes[2]!.connect('127.0.0.1', nodes[0]!.port);
    await watcher.connect('127.0.0.1', nodes[2]!.port);
    await Promise.all(nodes.map((n) => n.gc()));

    const bomb = emptyMapsBomb(Math.floor((16 * 1024 * 1024 - 64) * scale));
    const family = bombFamily(scale);
    const frames = [...Array(repeats)].map(() => bomb).concat(family.map((f) => f.frame));
    const started = Date.now();
    // Never handshaken, as the probe; then handshaken, so nothing is excused as "unknown peer".
    for (const handshake of [false, true]) {
      for (const frame of frames) await writeFrames(nodes[0]!, handshake, [frame]);
    }
    const seconds = (Date.now() - started) / 1000;

    // Still a network: a broadcast from node 0's side reaches the watcher on node 2.
    const probe = await MeshSocket.listen({ host: '127.0.0.1', maxOutgoing: 0, limits: { maxPeersPerList: 0 } });
    let relayed = false;
    watcher.on('message', (m) => {
      if (m.packets[1] === 'still relaying') relayed = true;
    });
    try {
      await probe.connect('127.0.0.1', nodes[0]!.port);
      probe.send(['still relaying']);
      const deadline = Date.now() + 5000;
      while (!relayed && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    } finally {
      await probe.close();
    }

    const stats = await Promise.all(nodes.map(async (n) => (n.alive() ? { peak: await n.stats(), after: await n.gc() } : undefined)));
    stats.forEach((s, i) => {
      checks.check(s !== undefined, `node ${i} crashed (${nodes[i]!.exit()})`);
      if (s === undefined) return;
      checks.check(s.peak.peakHeap < HEAP_GOAL, `node ${i} heap peaked at ${toMiB(s.peak.peakHeap)} MiB`);
      checks.check(s.after.heapUsed < HEAP_GOAL, `node ${i} heap ${toMiB(s.after.heapUsed)} MiB after`);
    });
    checks.check(relayed, 'an honest broadcast did not cross the three nodes afterwards');
    return checks.result('amplification', 'all 3 nodes alive, heap < 400 MiB at peak and after, still relaying', {
      frames: frames.length * 2,
      bombBytes: bomb.length,
      decodedBytesEach: Math.floor((16 * 1024 * 1024 - 64) * scale),
      seconds: Math.round(seconds * 10) / 10,
      nodes: stats.map((s) =>
        s === undefined ? null : { peakHeapMiB: toMiB(s.peak.peakHeap), heapAfterMiB: toMiB(s.after.heapUsed), rssMiB: toMiB(s.after.rss), errors: s.after.errors },
      ),
    });
  } finally {
    await watcher.close();
    await Promise.all(nodes.map((n) => n.close()));
  }
}

/** Opens a raw connection to `node`, optionally handshakes, writes `frames` and waits for the node to drop it (or 3 s). */
function writeFrames(node: Target, handshake: boolean, frames: Uint8Array[]): Promise<void> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port: node.port });
    const timer = setTimeout(() => socket.destroy(), 3000);
    socket.on('error', () => {});
    socket.on('data', () => {});
    socket.on('close', () => {
      clearTimeout(timer);
      resolve();
    });
    socket.on('connect', () => {
      if (handshake) {
        const id = base58Encode(crypto.getRandomValues(new Uint8Array(48)));
        socket.write(
          encodeFrame({
            type: MainFlags.whisper,
            sender: id,
            time: Math.floor(Date.now() / 1000),
            payload: [SubFlags.handshake, utf8Encode(id), utf8Encode(node.protocolId), ['127.0.0.1', 1], []],
          }),
        );
      }
      for (const f of frames) socket.write(f);
      socket.end();
    });
  });
}
