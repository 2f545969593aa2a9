/**
 * The extension points sync and chord rely on, exercised by a small subclass: protected
 * construction + start(), resolveProtocol, built-in handlers before user handlers, and the hooks.
 */
import { describe, expect, it } from 'vitest';
import { FIRST_APPLICATION_FLAG, MainFlags, Protocol, type P2PError } from '@p2p/base';
import { MeshConnection, MeshSocket, type MeshEvents, type MeshSocketOptions } from '@p2p/mesh';
import { waitFor } from '@p2p/testnet';
import { track } from './helpers';

const META = FIRST_APPLICATION_FLAG;

type TestEvents = MeshEvents & { meta: [from: string, text: string] };

// TS2417 here until @p2p/base's TypedEmitter stops keying its private listener map by
// `keyof Events` (a subclass with more events is then not assignable to MeshSocket<MeshEvents>).
class TestSocket extends MeshSocket<TestEvents> {
  static override readonly defaultProtocol = new Protocol('test', 'Plaintext');
  readonly log: string[] = [];
  autoConnect = true;

  static override async listen(options: MeshSocketOptions = {}): Promise<TestSocket> {
    const socket = new TestSocket(options);
    await socket.start();
    return socket;
  }

  protected constructor(options: MeshSocketOptions) {
    super(options);
    this.addBuiltinHandler((msg, conn, wire) => {
      if (msg.packets[0] !== META) return false;
      expect(wire.packed.length).toBeGreaterThan(0);
      this.emit('meta', conn.peerId ?? 'pending', String(msg.packets[1]));
      return true;
    });
  }

  protected override resolveProtocol(protocol: Protocol): Protocol {
    return new Protocol(`${protocol.subnet}1`, protocol.encryption);
  }

  protected override onHandshakeSent(connection: MeshConnection): void {
    this.log.push(`handshake-sent:${connection.outgoing ? 'out' : 'in'}`);
    this.sendTo(connection, MainFlags.whisper, META, ['hello from hook']);
  }

  protected override onPeerHandshake(connection: MeshConnection): void {
    this.log.push(`peer-handshake:${connection.peerId === undefined ? '?' : 'id'}`);
  }

  protected override shouldAutoConnect(peerId: string, addr: readonly [string, number]): boolean {
    this.log.push('should-auto-connect');
    return this.autoConnect && super.shouldAutoConnect(peerId, addr);
  }

  protected override onConnectionClosed(_connection: MeshConnection, reason: P2PError | undefined): void {
    this.log.push(`closed:${reason?.code ?? 'clean'}`);
  }

  shout(text: string): void {
    this.broadcastInternal(META, [text]);
  }
}

describe('subclassing MeshSocket', () => {
  it('runs the hooks at their documented moments', async () => {
    const a = track(await TestSocket.listen());
    const b = track(await TestSocket.listen());
    expect(a.protocol.subnet).toBe('test1');
    const metas: string[] = [];
    b.on('meta', (from, text) => metas.push(`${from === a.id ? 'a' : from}:${text}`));
    const userSaw: unknown[] = [];
    b.registerHandler((msg, _conn) => {
      userSaw.push(msg.packets[0]);
      return false;
    });
    await a.connect(...b.outAddr);
    await waitFor(() => metas.length >= 1 && b.peers.size === 1);
    expect(a.log).toEqual(['handshake-sent:out', 'peer-handshake:id']);
    await waitFor(() => b.log.includes('peer-handshake:id'));
    expect(b.log.slice(0, 2)).toEqual(['handshake-sent:in', 'peer-handshake:id']);
    // The meta may arrive before the handshake is filed (sent right after it): 'pending' or a.
    expect(metas[0]).toMatch(/:hello from hook$/);

    a.shout('to everyone');
    await waitFor(() => metas.includes('a:to everyone'));
    // Claimed by the subclass's built-in handler: the user handler never saw META.
    expect(userSaw).not.toContain(META);

    // A third node offered through a peers list asks shouldAutoConnect.
    const c = track(await TestSocket.listen());
    c.autoConnect = false;
    await c.connect(...b.outAddr);
    await waitFor(() => c.log.includes('should-auto-connect'));
    expect(c.peers.has(a.id)).toBe(false);

    await a.close();
    await waitFor(() => b.log.some((l) => l.startsWith('closed:')));
    expect(a.log).toContain('closed:clean');
  });

  it('refuses a plain MeshSocket (different subnet after resolveProtocol)', async () => {
    const a = track(await TestSocket.listen({ protocol: new Protocol('mesh', 'Plaintext') }));
    const b = track(await MeshSocket.listen());
    expect(a.protocol.subnet).toBe('mesh1');
    await expect(b.connect(...a.outAddr)).rejects.toMatchObject({ code: 'PROTOCOL_MISMATCH' });
  });
});
