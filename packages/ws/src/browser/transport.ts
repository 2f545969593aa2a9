/** `@p2p/ws/transport` in a browser: the same names as the Node entry, over the native WebSocket. */
import { registerWith, type RegisterWsOptions } from '../register';
import { wsTransport } from './ws-transport';

export { wsTransport, type WsTransport } from './ws-transport';
export * from '../shared-exports';

/** Registers the browser WebSocket transports for 'ws' and 'wss' (see the Node entry). */
export function registerWs(options: RegisterWsOptions = {}): ('ws' | 'wss')[] {
  return registerWith(wsTransport, options);
}
