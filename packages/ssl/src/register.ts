import { hasTransport, registerTransport } from '@p2p/base';
import type { TlsTransportOptions } from './options';
import { tlsTransport } from './tls-transport';

/** Options of {@link registerSsl}. */
export interface RegisterSslOptions {
  /**
   * Replace a transport already registered for 'SSL' (someone else's).
   * @default false
   */
  force?: boolean;
}

/**
 * Registers the TLS transport for the encryption name 'SSL', so sockets built with
 * `new Protocol(subnet, 'SSL')` use it; their `transportOptions` reach {@link tlsTransport}.
 * Idempotent: returns false and changes nothing when 'SSL' is already registered (unless `force`).
 */
export function registerSsl(options: RegisterSslOptions = {}): boolean {
  if (!options.force && hasTransport('SSL')) return false;
  registerTransport('SSL', (transportOptions) => tlsTransport(transportOptions as TlsTransportOptions | undefined));
  return true;
}
