import { TransportNotFoundError } from './errors';
import { builtInTransports, missingTransportHints } from '#platform';
import type { Transport } from './transport';

/** Builds a transport for one socket; `options` come from the socket's `transportOptions`. */
export type TransportFactory = (options?: Readonly<Record<string, unknown>>) => Transport;

// Which package provides a known encryption name, for the error a user sees without it.
const PROVIDERS: Readonly<Record<string, string>> = { SSL: '@p2p/ssl', ws: '@p2p/ws', wss: '@p2p/ws' };

// Used when nobody registered the name: in Node, plain TCP needs no extra package; a browser
// has none built in.
const BUILT_IN: Readonly<Record<string, TransportFactory>> = builtInTransports;

// One registry per process on purpose, kept on globalThis so that an ESM and a CJS copy of
// this package (the dual-package hazard) still share it.
const REGISTRY_KEY = Symbol.for('@p2p/base/transport-registry');
type Registry = Map<string, TransportFactory>;

function registry(): Registry {
  const g = globalThis as unknown as Record<symbol, Registry | undefined>;
  let r = g[REGISTRY_KEY];
  if (!r) {
    r = new Map();
    g[REGISTRY_KEY] = r;
  }
  return r;
}

/** Makes `encryption` (a Protocol's encryption name) available to every socket in this process. */
export function registerTransport(encryption: string, factory: TransportFactory): void {
  registry().set(encryption, factory);
}

export function unregisterTransport(encryption: string): boolean {
  return registry().delete(encryption);
}

export function hasTransport(encryption: string): boolean {
  return registry().has(encryption) || encryption in BUILT_IN;
}

export function registeredEncryptions(): string[] {
  return [...new Set([...Object.keys(BUILT_IN), ...registry().keys()])];
}

/**
 * Builds the transport registered for `encryption`.
 * @throws TransportNotFoundError (`TRANSPORT_NOT_FOUND`) naming the package to install.
 */
export function createTransport(
  encryption: string,
  options?: Readonly<Record<string, unknown>>,
): Transport {
  const factory = registry().get(encryption) ?? BUILT_IN[encryption];
  if (!factory) {
    const provider = PROVIDERS[encryption];
    const hint =
      missingTransportHints[encryption] ??
      (provider
        ? `install ${provider} and import it (or call its register function) before creating the socket`
        : `register one with registerTransport('${encryption}', factory)`);
    throw new TransportNotFoundError(`no transport is registered for encryption '${encryption}': ${hint}`, {
      details: { encryption, package: provider },
    });
  }
  return factory(options);
}
