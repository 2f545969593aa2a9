/** Shared by the admission scenarios: raw loopback sockets that never (or once) handshake. */
import net from 'node:net';
import { MainFlags, SubFlags, base58Encode, encodeFrame, utf8Encode } from '@p2p/base';

/** A valid mesh handshake from a made-up id, advertising an address nobody listens on. */
export function rawHandshake(protocolId: string): Uint8Array {
  const id = base58Encode(crypto.getRandomValues(new Uint8Array(48)));
  return encodeFrame({
    type: MainFlags.whisper,
    sender: id,
    time: Math.floor(Date.now() / 1000),
    payload: [SubFlags.handshake, utf8Encode(id), utf8Encode(protocolId), ['127.0.0.1', 1], []],
  });
}

/**
 * Keeps `count` sockets to `port` open that never handshake: each one the node closes is
 * re-opened at once. Returns how many were opened, and a stop function.
 */
export function flood(port: number, count: number): { opened: () => number; stop: () => void } {
  let stopped = false;
  let opened = 0;
  const live = new Set<net.Socket>();
  const open = (): void => {
    if (stopped) return;
    opened++;
    const socket = net.connect({ host: '127.0.0.1', port });
    live.add(socket);
    socket.on('error', () => {});
    socket.on('data', () => {});
    socket.on('close', () => {
      live.delete(socket);
      setImmediate(open);
    });
  };
  for (let i = 0; i < count; i++) open();
  return {
    opened: () => opened,
    stop: () => {
      stopped = true;
      for (const s of live) s.destroy();
    },
  };
}

/** Opens `count` sockets to `port` that each send one handshake and then stay silent (reading). */
export async function idleSockets(port: number, protocolId: string, count: number): Promise<net.Socket[]> {
  const sockets = await Promise.all(
    [...Array(count)].map(
      () =>
        new Promise<net.Socket>((resolve) => {
          const socket = net.connect({ host: '127.0.0.1', port });
          socket.on('error', () => {});
          socket.on('data', () => {});
          socket.on('connect', () => {
            socket.write(rawHandshake(protocolId));
            resolve(socket);
          });
          socket.on('close', () => resolve(socket));
        }),
    ),
  );
  return sockets;
}

/** Resolves to the error code, or 'ok', of `call` within `ms`. */
export async function outcome(call: () => Promise<unknown>): Promise<string> {
  try {
    await call();
    return 'ok';
  } catch (err) {
    return (err as { code?: string }).code ?? String(err);
  }
}
