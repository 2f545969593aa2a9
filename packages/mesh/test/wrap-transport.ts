/** Test transports that wrap another one: the same links, seen through a changed connection object. */
import type { Transport, TransportConnection } from '@p2p/base';

/** `inner`, with every connection it accepts or dials handed out as `wrap(connection)`. */
export function wrapConnections(inner: Transport, wrap: (conn: TransportConnection) => TransportConnection): Transport {
  return {
    encryption: inner.encryption,
    listen: (options) => inner.listen({ ...options, onConnection: (c) => options.onConnection(wrap(c)) }),
    dial: async (options) => wrap(await inner.dial(options)),
  };
}

/**
 * `conn` with the properties of `overrides` (getters included) in place of its own; everything
 * else is read from `conn`, its methods bound to it.
 */
export function overriding(conn: TransportConnection, overrides: Partial<TransportConnection>): TransportConnection {
  return new Proxy(conn, {
    get(target, prop) {
      if (prop in overrides) return Reflect.get(overrides, prop) as unknown;
      const value = Reflect.get(target, prop, target) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}
