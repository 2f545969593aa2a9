/**
 * @p2p/testnet (private): cheap real test networks for @p2p packages.
 *
 * @example
 * ```ts
 * const net = await startTestnet({ count: 5, topology: 'line', start: () => MeshSocket.listen() });
 * await waitFor(() => net.nodes.every((n) => n.peers.size > 0));
 * await net.close();
 * ```
 */
export { startTestnet, topologyEdges, type TestNode, type Topology, type Testnet, type TestnetOptions } from './testnet';
export { waitFor, eventually, nextEvent, type PollOptions, type EventSource } from './wait';
export { closeAfterEach, type Closable, type Track } from './cleanup';
export { readFixture, readVector, typedVector } from './vectors';
export { RawPeer, RAW_ID, type RawFrame, type RawHandshakeOptions, type HandshakeTarget } from './raw-peer';
export { openHandles, expectReleased, type HandleSnapshot } from './handles';
export { namesInReadme } from './readme';
export { runExample, type RunExampleOptions } from '@p2p/test-kit';
