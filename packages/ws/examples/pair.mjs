// Two WebSocket endpoints on loopback exchange a @p2p frame the way js2p does: one frame,
// header included, per binary message. The test suite runs this file; `node examples/pair.mjs`
// works after a build.
import { wsTransport } from '@p2p/ws';
import { FrameReader, MainFlags, SubFlags, decodeFrameBody, encodeFrame } from '@p2p/base';

const server = wsTransport('ws');
let resolve;
const received = new Promise((r) => (resolve = r));
const reader = new FrameReader();
const listener = await server.listen({
  host: '127.0.0.1',
  port: 0,
  onConnection: (incoming) =>
    incoming.on('data', (chunk) => {
      for (const body of reader.push(chunk)) resolve({ incoming, message: decodeFrameBody(body) });
    }),
  // Text messages, oversized ones, other paths, stalled upgrades land here as WEBSOCKET_ERROR.
  onError: (error) => console.error(error.code, error.details.reason),
});

const connection = await wsTransport('ws').dial({ host: '127.0.0.1', port: listener.address.port, timeout: 5_000 });
console.log(connection.info.url === `ws://127.0.0.1:${listener.address.port}/`); // true

connection.write(encodeFrame({ type: MainFlags.broadcast, sender: 'me', time: 1500000000, payload: [SubFlags.broadcast, 'hi over WebSocket'] }));
const { incoming, message } = await received;
console.log(message.payload); // [ 0, 'hi over WebSocket' ]

connection.end();
incoming.end();
await listener.close();
