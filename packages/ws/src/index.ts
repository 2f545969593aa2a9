/**
 * @p2p/ws: WebSocket transports for every socket whose Protocol says 'ws' or 'wss', compatible
 * with js2p 0.7 (each frame, header included, one binary message; PROTOCOL.md 1.1). Importing
 * this module registers both (use `@p2p/ws/transport` to avoid the side effect). In Node it
 * uses the `ws` package and can listen; in a browser (the `browser` export condition) it uses
 * the native WebSocket, pulls in nothing of `ws`, and only dials.
 *
 * @example
 * ```ts
 * import '@p2p/ws';
 * import { Protocol } from '@p2p/base';
 * import { MeshSocket } from '@p2p/mesh';
 * const node = await MeshSocket.listen({ protocol: new Protocol('mesh', 'ws') });
 * ```
 * @packageDocumentation
 */
import { registerWs } from './transport';

export * from './transport';

registerWs();
