import { Protocol, encodeFrame, decodeFrame, FrameReader, MainFlags, SubFlags, CompressionFlags, toHex } from '@p2p/base';

const protocol = new Protocol('mesh', 'Plaintext');
console.log(protocol.id); // EpAmyZWv9rZUKmjQgU3FTUD4GrJHvVEXizmghVBc8eGD, as py2p computes it

const frame = encodeFrame(
  { type: MainFlags.broadcast, sender: 'EpAmyZWv', time: 1500000000, payload: [SubFlags.broadcast, 'hello', new Uint8Array([1, 2])] },
  { compression: CompressionFlags.zlib },
);

// A stream can split frames anywhere: the reader cuts whole frame bodies out of the chunks.
const reader = new FrameReader({ maxFrameBytes: 1 << 20 });
const bodies = [...reader.push(frame.subarray(0, 10)), ...reader.push(frame.subarray(10))];
const message = decodeFrame(frame, { candidates: [CompressionFlags.zlib] });
console.log(bodies.length, message.sender, message.payload, toHex(message.id));
if (bodies.length !== 1 || message.payload[1] !== 'hello') throw new Error('example failed');
