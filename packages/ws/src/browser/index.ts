/**
 * @p2p/ws for browsers (the `browser` export condition): registers 'ws' and 'wss' over the
 * native WebSocket. Same API as the Node entry; a browser only dials.
 * @packageDocumentation
 */
import { registerWs } from './transport';

export * from './transport';

registerWs();
