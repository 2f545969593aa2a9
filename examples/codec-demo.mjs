// The wire codec, end to end: build a py2p-compatible frame, compress it, decode it.
import {
  Protocol, makeNodeId, encodeFrame, decodeFrame, MainFlags, SubFlags, CompressionFlags, toHex,
} from '@p2p/base';

const protocol = new Protocol('mesh', 'Plaintext');
const id = makeNodeId({ outAddr: ['127.0.0.1', 4444], protocolId: protocol.id, salt: '00000000-0000-4000-8000-000000000000' });
const fields = { type: MainFlags.broadcast, sender: id, time: 1500000000, payload: [SubFlags.broadcast, 'hello', new Uint8Array([1, 2, 3])] };
const plain = encodeFrame(fields);
const zlib = encodeFrame(fields, { compression: CompressionFlags.zlib });
const back = decodeFrame(zlib, { candidates: [CompressionFlags.zlib] });
console.log(`protocol id   ${protocol.id}`);
console.log(`node id       ${id}`);
console.log(`frame         ${plain.length} bytes: ${toHex(plain).slice(0, 48)}…`);
console.log(`zlib frame    ${zlib.length} bytes`);
console.log(`decoded       sender ok: ${back.sender === id}, payload: ${JSON.stringify(back.payload.slice(0, 2))}`);
if (back.sender !== id || back.payload[1] !== 'hello') process.exit(1);
