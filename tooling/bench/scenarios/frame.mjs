// Scenario "frame": the frame codec alone, no sockets. For each message shape (a chord retrieve
// and retrieved whisper of about 100-200 bytes, a 1 KiB and a 64 KiB broadcast) and each
// compression a link may use (raw, snappy, zlib), N times: the send side (`packPacket`, then
// `frameFromPacked` as mesh's link does) and the receive side (`decodeFrameBody` with the
// candidates a link to a peer on that method tries). CPU µs per frame is user+system time over
// the loop divided by N; frames/s is the round trip (send and receive) in wall time. The ratio
// rows compare a compressed round trip with the raw one measured in the same run: what the
// method costs on top of packing, hashing and msgpack. N defaults to 20,000 (1,000 for 64 KiB).
// The bounded-map rows insert 40,000 keys (waterfall-sized: 16 UTF-16 units) into a Map held at
// 100,000 entries (mesh's maxSeen), evicting with `evictOldest` or by deleting the first key per
// insert; the ratio is evictOldest's CPU to the first-key way's.
import {
  CompressionFlags,
  MainFlags,
  SubFlags,
  base58Encode,
  decodeCandidates,
  decodeFrameBody,
  evictOldest,
  frameFromPacked,
  packPacket,
  sha1,
  sha384,
  utf8Encode,
} from '@p2p/base';

export const name = 'frame';
export const description = 'frame codec alone: pack + frame, and decode, of chord-sized whispers and 1 KiB / 64 KiB broadcasts, raw, snappy and zlib';

const METHODS = [
  ['raw', null],
  ['snappy', CompressionFlags.snappy],
  ['zlib', CompressionFlags.zlib],
];

const sender = base58Encode(sha384(utf8Encode('bench sender')));
const ringKey = (i) => utf8Encode(base58Encode(sha1(utf8Encode(`bench-${i}`))));

// Text-like filler (words from a small list, seeded): compressible the way user data usually is.
function text(bytes, seed) {
  const words = ['peer', 'node', 'frame', 'value', 'key', 'ring', 'mesh', 'sync', 'store', 'lease', 'delta', 'the', 'of', 'and'];
  let x = seed >>> 0;
  let out = '';
  while (out.length < bytes) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    out += `${words[x % words.length]}${x % 7 === 0 ? '. ' : ' '}`;
  }
  return out.slice(0, bytes);
}

const SHAPES = [
  {
    label: 'retrieve',
    type: MainFlags.whisper,
    payload: (i) => [SubFlags.retrieve, utf8Encode('sha1'), ringKey(i)],
  },
  {
    label: 'retrieved',
    type: MainFlags.whisper,
    payload: (i) => [SubFlags.retrieved, utf8Encode('sha1'), ringKey(i), { i, payload: 'x'.repeat(32) }],
  },
  { label: '1 KiB', type: MainFlags.broadcast, payload: (i) => [SubFlags.broadcast, text(1024, i)] },
  { label: '64 KiB', type: MainFlags.broadcast, payload: (i) => [SubFlags.broadcast, text(64 * 1024, i)], scale: 1 / 20 },
];

const cpuUs = () => {
  const { user, system } = process.cpuUsage();
  return user + system;
};

// The inputs are built before timing; only the codec runs inside the loops.
function measure(shape, flag, n) {
  const time = Math.floor(Date.now() / 1000);
  const fields = Array.from({ length: Math.min(n, 64) }, (_, i) => ({ type: shape.type, sender, time, payload: shape.payload(i) }));
  const candidates = flag === null ? [null] : decodeCandidates([flag]);
  const bodies = fields.map((f) => {
    const { packed, id } = packPacket(f);
    return frameFromPacked(packed, id, flag).subarray(4);
  });
  let sink = 0;
  const send = (count) => {
    for (let i = 0; i < count; i++) {
      const { packed, id } = packPacket(fields[i % fields.length]);
      sink += frameFromPacked(packed, id, flag).length;
    }
  };
  const receive = (count) => {
    for (let i = 0; i < count; i++) sink += decodeFrameBody(bodies[i % bodies.length], { candidates }).payload.length;
  };
  send(Math.ceil(n / 10));
  receive(Math.ceil(n / 10));
  let c0 = cpuUs();
  const w0 = performance.now();
  send(n);
  const sendUs = (cpuUs() - c0) / n;
  c0 = cpuUs();
  receive(n);
  const receiveUs = (cpuUs() - c0) / n;
  const wallMs = performance.now() - w0;
  if (sink === 0) throw new Error('nothing was framed');
  const rawBytes = 4 + 32 + packPacket(fields[0]).packed.length;
  return { sendUs, receiveUs, perSecond: (n / wallMs) * 1000, bytes: 4 + bodies[0].length, rawBytes };
}

export async function run({ messages } = {}) {
  const base = messages ?? 20_000;
  const results = [];
  for (const shape of SHAPES) {
    const n = Math.max(10, Math.round(base * (shape.scale ?? 1)));
    let raw;
    for (const [method, flag] of METHODS) {
      const m = measure(shape, flag, n);
      const label = `${shape.label} ${method}`;
      results.push(
        { label: `${label}: send (pack + frame)`, value: m.sendUs, unit: 'µs CPU/frame' },
        { label: `${label}: receive (decode)`, value: m.receiveUs, unit: 'µs CPU/frame' },
        { label: `${label}: round trips`, value: m.perSecond, unit: 'frames/s' },
        { label: `${label}: frame bytes`, value: m.bytes, unit: `B (raw ${m.rawBytes})` },
      );
      if (flag === null) raw = m;
      else {
        const total = m.sendUs + m.receiveUs;
        results.push({ label: `${label}: CPU per round trip (ratio: to raw)`, value: total, unit: 'µs', ratio: total / (raw.sendUs + raw.receiveUs) });
      }
    }
  }
  results.push(...boundedMapRows(MAP_INSERTS));
  return { results };
}

const MAP_CAP = 100_000;
// Enough inserts past the cap for deleted-entry holes to pile up as they do on a node at the cap.
const MAP_INSERTS = 40_000;

function boundedMapRows(n) {
  const keys = Array.from({ length: MAP_CAP + n }, (_, i) => String.fromCharCode(...Array.from({ length: 16 }, (_, j) => (Math.imul(i + 1, 2654435761 + j * 40503) >>> 16) & 0xffff)) + i);
  const insert = (evict) => {
    const map = new Map();
    for (let i = 0; i < MAP_CAP; i++) map.set(keys[i], i);
    const c0 = cpuUs();
    for (let i = MAP_CAP; i < MAP_CAP + n; i++) {
      map.set(keys[i], i);
      evict(map);
    }
    return (cpuUs() - c0) / n;
  };
  const firstKey = insert((map) => {
    while (map.size > MAP_CAP) map.delete(map.keys().next().value);
  });
  const batched = insert((map) => evictOldest(map, MAP_CAP));
  return [
    { label: 'bounded map at 100,000: insert + delete the first key', value: firstKey, unit: 'µs CPU/insert' },
    { label: 'bounded map at 100,000: insert + evictOldest (ratio: to first key)', value: batched, unit: 'µs CPU/insert', ratio: batched / firstKey },
  ];
}
