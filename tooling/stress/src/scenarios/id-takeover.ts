/**
 * Identity takeover (PROTOCOL.md F1): two nodes, the target and the victim, linked; a raw client
 * on 127.0.0.1 handshakes with the victim's id and its advertised address, and a second one
 * handshakes as itself, then again as the victim on the same link. Trials cover both directions
 * of the victim's link, a victim id larger and smaller than the target's, and a victim link
 * that spoke just now or stayed quiet long enough to be probed. Goal: no takeover in any trial
 * (the target keeps the victim's link, the victim keeps receiving the target's broadcasts, the
 * claimants never do), each claimant dropped.
 */
import net from 'node:net';
import { MainFlags, SubFlags, encodeFrame, makeNodeId, nodeIdToBigInt, randomSalt, utf8Encode } from '@p2p/base';
import { MeshSocket } from '@p2p/mesh';
import { Checks, type ScenarioResult } from '../report';
import { until, sleep } from '../wait';

/** A hand-made client: writes frames, keeps every byte it receives, knows when it was closed. */
class Claimant {
  received = Buffer.alloc(0);
  closed = false;
  readonly #socket: net.Socket;

  private constructor(socket: net.Socket) {
    this.#socket = socket;
    socket.on('data', (chunk: Buffer) => {
      if (this.received.length < 1 << 20) this.received = Buffer.concat([this.received, chunk]);
    });
    socket.on('error', () => {});
    socket.on('close', () => (this.closed = true));
  }

  static connect(port: number): Promise<Claimant> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host: '127.0.0.1', port });
      socket.once('connect', () => resolve(new Claimant(socket)));
      socket.once('error', reject);
    });
  }

  write(frame: Uint8Array): void {
    this.#socket.write(frame);
  }

  saw(marker: string): boolean {
    return this.received.includes(Buffer.from(marker));
  }

  destroy(): void {
    this.#socket.destroy();
  }
}

function handshake(id: string, protocolId: string, addr: readonly [string, number]): Uint8Array {
  // No compression advertised: whatever the target sends is readable as it is.
  return encodeFrame({
    type: MainFlags.whisper,
    sender: id,
    time: Math.floor(Date.now() / 1000),
    payload: [SubFlags.handshake, utf8Encode(id), utf8Encode(protocolId), [addr[0], addr[1]], []],
  });
}

const listen = () => MeshSocket.listen({ host: '127.0.0.1', maxOutgoing: 0, limits: { maxPeersPerList: 0 } });

async function victimFor(target: MeshSocket, larger: boolean): Promise<MeshSocket> {
  for (;;) {
    const v = await listen();
    if (nodeIdToBigInt(v.id) > nodeIdToBigInt(target.id) === larger) return v;
    await v.close();
  }
}

interface Trial {
  takeover: boolean;
  victimReceived: boolean;
  claimantsDropped: boolean;
  codes: string[];
}

async function trial(n: number, quietMs: number): Promise<Trial> {
  const victimLarger = n % 2 === 0;
  const probed = (n >> 1) % 2 === 1;
  // Every 8 trials cover each combination of the three.
  const victimDialed = ((n ^ (n >> 1) ^ (n >> 2)) & 1) === 0;
  const target = await listen();
  const victim = await victimFor(target, victimLarger);
  const codes: string[] = [];
  target.on('error', (e) => codes.push(e.code));
  const claimants: Claimant[] = [];
  try {
    if (victimDialed) await victim.connect(...target.outAddr);
    else await target.connect(...victim.outAddr);
    await until(() => target.peers.has(victim.id) && victim.peers.has(target.id), 5000);
    const before = target.peers.get(victim.id);
    // Past the window of a simultaneous connect; past the probe window too when probing.
    await sleep(probed ? quietMs : 1_200);
    const direct = await Claimant.connect(target.outAddr[1]);
    const renamer = await Claimant.connect(target.outAddr[1]);
    claimants.push(direct, renamer);
    direct.write(handshake(victim.id, target.protocol.id, victim.outAddr));
    const own = makeNodeId({ outAddr: ['127.0.0.1', n + 1], protocolId: target.protocol.id, salt: randomSalt() });
    renamer.write(handshake(own, target.protocol.id, ['127.0.0.1', 1]));
    await until(() => target.peers.has(own), 2000);
    renamer.write(handshake(victim.id, target.protocol.id, victim.outAddr));
    // The claims are decided (at once, or when the probe ends).
    await until(() => claimants.every((c) => c.closed), 6000);
    const marker = `after-claims-${n}-${Date.now()}`;
    const got = new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), 3000);
      victim.on('message', (m) => {
        if (m.packets[1] === marker) (clearTimeout(timer), resolve(true));
      });
    });
    target.send([marker]);
    const victimReceived = await got;
    await sleep(100);
    const after = target.peers.get(victim.id);
    const kept = after !== undefined && after === before && !after.closed && victim.peers.has(target.id);
    const claimantSaw = claimants.some((c) => c.saw(marker));
    return {
      takeover: !kept || claimantSaw || !victimReceived,
      victimReceived,
      claimantsDropped: claimants.every((c) => c.closed),
      codes,
    };
  } finally {
    for (const c of claimants) c.destroy();
    await Promise.all([target.close(), victim.close()]);
  }
}

export async function idTakeover(options: { trials: number; quietMs: number }): Promise<ScenarioResult> {
  const checks = new Checks();
  const results: Trial[] = [];
  for (let n = 0; n < options.trials; n++) results.push(await trial(n, options.quietMs));
  const takeovers = results.filter((r) => r.takeover).length;
  const received = results.filter((r) => r.victimReceived).length;
  const dropped = results.filter((r) => r.claimantsDropped).length;
  checks.check(takeovers === 0, `${takeovers} of ${options.trials} trials were takeovers`);
  checks.check(received === options.trials, `the victim missed the broadcast in ${options.trials - received} trials`);
  checks.check(dropped === options.trials, `claimants were left open in ${options.trials - dropped} trials`);
  return checks.result('id-takeover', `0 takeovers in ${options.trials} trials (victim id larger and smaller, either direction, claimant on 127.0.0.1 with the victim's id and address, and a link re-handshaking as the victim); the victim keeps receiving; claimants dropped`, {
    trials: options.trials,
    takeovers,
    victimReceived: received,
    claimantsDropped: dropped,
    errors: [...new Set(results.flatMap((r) => r.codes))].sort(),
  });
}
