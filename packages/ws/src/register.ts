import { hasTransport, registerTransport, type Transport } from '@p2p/base';
import type { WsTransportOptions } from './options';

/** Options of {@link registerWs}. */
export interface RegisterWsOptions {
  /**
   * Replace transports already registered for 'ws' and 'wss' (someone else's).
   * @default false
   */
  force?: boolean;
}

type Build = (encryption: 'ws' | 'wss', options?: WsTransportOptions) => Transport;

/**
 * Registers `build` for 'ws' and 'wss' unless taken; returns the names it registered. The
 * platform entries pass their own `wsTransport`.
 */
export function registerWith(build: Build, options: RegisterWsOptions = {}): ('ws' | 'wss')[] {
  const done: ('ws' | 'wss')[] = [];
  for (const name of ['ws', 'wss'] as const) {
    if (!options.force && hasTransport(name)) continue;
    registerTransport(name, (transportOptions) => build(name, transportOptions as WsTransportOptions | undefined));
    done.push(name);
  }
  return done;
}
