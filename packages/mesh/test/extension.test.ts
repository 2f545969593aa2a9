/**
 * The one extension contract (extension.ts), exercised by a tiny layer: handlers by sub-flag
 * after mesh's and before the user's, every hook at its documented moment, and sends that say
 * what they sent.
 */
import { describe, expect, it } from 'vitest';
import { FIRST_APPLICATION_FLAG, MainFlags, Protocol, SubFlags, type Message, type MetricsSnapshot } from '@p2p/base';
import { MeshSocket, type MeshConnection, type MeshEvents, type MeshHost, type MeshSocketOptions, type SentMessage } from '@p2p/mesh';
import { eventually, waitFor } from '@p2p/testnet';
import { RawPeer, track } from './helpers';

const META = FIRST_APPLICATION_FLAG;
/** A question the layer answers on the link it came by (MeshConnection.send, which throws on a closed link). */
const ECHO = FIRST_APPLICATION_FLAG + 1;

type TestEvents = MeshEvents & { meta: [from: string, text: string, time: number] };

class LayerSocket extends MeshSocket<TestEvents> {
  static override readonly defaultProtocol = new Protocol('layer', 'Plaintext');
  readonly log: string[] = [];
  readonly host: MeshHost;
  autoConnect = true;
  closingDone = false;

  static override async listen(options: MeshSocketOptions = {}): Promise<LayerSocket> {
    return LayerSocket.open(new LayerSocket(options));
  }

  protected constructor(options: MeshSocketOptions) {
    super({ ...options, protocol: layerProtocol(options.protocol ?? LayerSocket.defaultProtocol) });
    this.host = this.extend({
      handlers: new Map([
        [
          META,
          (msg: Message, conn: MeshConnection) => {
            this.emit('meta', conn.peerId ?? 'pending', String(msg.packets[1]), msg.time);
            return true;
          },
        ],
        [
          ECHO,
          (msg: Message, conn: MeshConnection) => {
            conn.send(MainFlags.whisper, [`echo ${String(msg.packets[1])}`], { type: META });
            return true;
          },
        ],
      ]),
      started: () => this.log.push(`started:${this.host.id === this.id}`),
      handshakeSent: (conn) => {
        this.log.push(`handshake-sent:${conn.outgoing ? 'out' : 'in'}`);
        this.host.sendTo(conn, MainFlags.whisper, META, ['hello from hook']);
      },
      peerHandshake: (conn) => this.log.push(`peer-handshake:${conn.peerId === undefined ? '?' : 'id'}`),
      shouldAutoConnect: (_id, _addr, byDefault) => {
        this.log.push(`should-auto-connect:${byDefault}`);
        return this.autoConnect && byDefault;
      },
      connectionClosed: (_conn, reason) => this.log.push(`closed:${reason?.code ?? 'clean'}`),
      closing: async () => {
        this.log.push(`closing:${this.host.closed}:${this.host.connections().length}`);
        await new Promise((r) => setTimeout(r, 10));
        this.closingDone = true;
      },
      closed: () => this.log.push(`closed-hook:${this.closingDone}`),
    });
  }

  shout(text: string): SentMessage {
    return this.host.broadcast(META, [text]);
  }

  /** Exposes the protected extend() for the "only once" test. */
  extendAgain(): void {
    this.extend({});
  }
}

/** The count of `p2p_messages_dropped_total` for `reason`. */
function dropped(snap: MetricsSnapshot, reason: string): number {
  const metric = snap.metrics.find((m) => m.name === 'p2p_messages_dropped_total');
  if (!metric || metric.kind === 'histogram') return 0;
  return metric.series.filter((s) => s.labels.reason === reason).reduce((sum, s) => sum + s.value, 0);
}

/** The subnet transform a layer applies before `super()`, as sync appends its leasing digit. */
function layerProtocol(p: Protocol): Protocol {
  return new Protocol(`${p.subnet}1`, p.encryption);
}

describe('the extension contract', () => {
  it('runs handlers and hooks at their documented moments', async () => {
    const a = track(await LayerSocket.listen());
    const b = track(await LayerSocket.listen());
    expect(a.protocol.subnet).toBe('layer1');
    expect(a.log).toEqual(['started:true']);
    expect(a.host.protocol).toBe(a.protocol);
    expect(a.host.outAddr).toEqual(a.outAddr);
    const metas: Array<[string, string, number]> = [];
    b.on('meta', (from, text, time) => metas.push([from === a.id ? 'a' : from, text, time]));
    const userSaw: unknown[] = [];
    b.registerHandler((msg, _conn) => {
      userSaw.push(msg.packets[0]);
      return false;
    });
    await a.connect(...b.outAddr);
    await waitFor(() => metas.length >= 1 && b.peers.size === 1);
    expect(a.log).toEqual(['started:true', 'handshake-sent:out', 'peer-handshake:id']);
    await waitFor(() => b.log.includes('peer-handshake:id'));
    expect(b.log.slice(0, 3)).toEqual(['started:true', 'handshake-sent:in', 'peer-handshake:id']);

    // A send says what it put on the wire; the receiver sees the same time.
    const sent = a.shout('to everyone');
    expect(sent.written).toBe(1);
    expect(sent.id).toHaveLength(32);
    await waitFor(() => metas.some(([, t]) => t === 'to everyone'));
    expect(metas.find(([, t]) => t === 'to everyone')).toEqual(['a', 'to everyone', sent.time]);
    // Claimed by the layer's handler: the user handler never saw META.
    expect(userSaw).not.toContain(META);

    // resendHandshake does not call handshakeSent again.
    const before = a.log.length;
    a.host.resendHandshake([...a.host.peers.values()][0]!);
    await waitFor(() => b.log.filter((l) => l === 'peer-handshake:id').length >= 2);
    expect(a.log.length).toBe(before);

    // A third node offered through a peers list asks shouldAutoConnect with mesh's default.
    const c = track(await LayerSocket.listen());
    c.autoConnect = false;
    await c.connect(...b.outAddr);
    await waitFor(() => c.log.some((l) => l.startsWith('should-auto-connect')));
    expect(c.log).toContain('should-auto-connect:true');
    expect(c.peers.has(a.id)).toBe(false);

    await a.close();
    // closing ran first (connections still there), closed ran last, after every connection.
    expect(a.log.filter((l) => l.startsWith('closing') || l.startsWith('closed'))).toEqual([
      'closing:true:1',
      'closed:clean',
      'closed-hook:true',
    ]);
    await waitFor(() => b.log.some((l) => l.startsWith('closed:')));
  });

  it("a link this node is closing still hands the layer what the peer sent before the close; the link's upkeep on it stays unread, an answer on it is counted", async () => {
    const a = track(await LayerSocket.listen());
    const raw = track(await RawPeer.handshake(a));
    await waitFor(() => a.peers.size === 1);
    const errors: string[] = [];
    a.on('error', (e) => errors.push(e.code));
    const metas: string[] = [];
    a.on('meta', (_from, text) => metas.push(text));
    a.disconnect([...a.peers.values()][0]!);
    // Written before the peer reads the close: the layer's data, a question it answers, and a
    // peers list (link upkeep: a closing link does not act on it, so nobody is offered).
    raw.sendPayload(MainFlags.whisper, [META, 'sent before the close']);
    raw.sendPayload(MainFlags.whisper, [ECHO, 'question']);
    raw.sendPayload(MainFlags.whisper, [SubFlags.peers, [[['127.0.0.1', 1], new TextEncoder().encode('8qT1rVVYn1nFkX')]]]);
    await raw.closed;
    await eventually(() => expect(metas).toEqual(['sent before the close']));
    await eventually(() => expect(dropped(a.metrics(), 'answer_on_closing_link')).toBe(1));
    expect(a.log.some((l) => l.startsWith('should-auto-connect'))).toBe(false);
    expect(errors).toEqual([]);
  });

  it('allows extend() once', async () => {
    const a = track(await LayerSocket.listen());
    expect(() => a.extendAgain()).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });

  it('refuses a plain MeshSocket (the protocol transform happens before super())', async () => {
    const a = track(await LayerSocket.listen({ protocol: new Protocol('mesh', 'Plaintext') }));
    const b = track(await MeshSocket.listen());
    expect(a.protocol.subnet).toBe('mesh1');
    await expect(b.connect(...a.outAddr)).rejects.toMatchObject({ code: 'PROTOCOL_MISMATCH' });
  });
});
