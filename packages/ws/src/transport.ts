/**
 * `@p2p/ws/transport`: the API of `@p2p/ws` without the import side effect. Browsers get the
 * same names from `browser/transport.ts` (the `browser` export condition).
 */
import { registerWith, type RegisterWsOptions } from './register';
import { wsTransport } from './node/ws-transport';

export { wsTransport, type WsTransport } from './node/ws-transport';
export * from './shared-exports';

/**
 * Registers the WebSocket transports for the encryption names 'ws' and 'wss', so sockets built
 * with `new Protocol(subnet, 'ws')` use them; their `transportOptions` reach {@link wsTransport}.
 * Idempotent: a name already registered is left alone (unless `force`). Returns the names
 * registered by this call.
 */
export function registerWs(options: RegisterWsOptions = {}): ('ws' | 'wss')[] {
  return registerWith(wsTransport, options);
}
