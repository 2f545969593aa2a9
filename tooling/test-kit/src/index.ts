// Test helpers that need nothing above @p2p/base, so base's neighbours (ssl, ws) can use them
// as well as @p2p/testnet, which re-exports the example runner.
export { runExample, type RunExampleOptions } from './example';
export { TransportHarness, closed, readBytes, socketClosed, waitFor, type ListenerProbe } from './transport-harness';
