/**
 * Who gets a connection slot (PROTOCOL.md 9, F3), as a pure decision over the connections a
 * node holds. The rules, in order:
 *
 * - Outgoing and incoming handshakes have separate budgets: dials in flight plus outgoing links
 *   not yet handshaken stay under `maxPendingOutgoing`; incoming links not yet handshaken under
 *   `maxPendingConnections`, and under `maxPendingPerAddress` from one remote IP. A flood of
 *   incoming sockets therefore never stops this node from dialing out.
 * - Incoming connections from one remote IP, handshaken or not, stay under
 *   `maxConnectionsPerAddress`.
 * - Every connection, both directions, plus dials in flight, stays under `maxConnections`:
 *   a dial counts from the moment it is admitted, before its socket opens.
 * - When a budget is full, a victim is evicted for the newcomer: first the oldest incoming
 *   connection that never handshook (for the per-address pending budget, one from that
 *   address; for the node's, one from the address holding the most), then the incoming peer
 *   idle the longest, if it has sent no data (broadcasts, whispers: anything but a
 *   link's upkeep, link-traffic.ts) for `evictIdleAfter` ms. Outgoing connections are never
 *   evicted: this node chose them. Without a victim the newcomer is refused.
 */

/** What the decision needs to know about one connection. */
export interface AdmissionCandidate {
  readonly outgoing: boolean;
  readonly handshaken: boolean;
  /** The remote IP. */
  readonly host: string;
  readonly openedAt: number;
  /** When it last carried user traffic to this node (its opening time if never). */
  readonly activeAt: number;
}

export interface AdmissionLimits {
  readonly maxConnections: number;
  readonly maxPendingConnections: number;
  readonly maxPendingOutgoing: number;
  readonly maxPendingPerAddress: number;
  readonly maxConnectionsPerAddress: number;
  readonly evictIdleAfter: number;
}

export interface AdmissionRequest {
  readonly direction: 'incoming' | 'outgoing';
  /** The remote IP of an incoming connection. */
  readonly host?: string;
}

export type AdmissionDecision<T> =
  | { readonly kind: 'admit'; readonly evict: readonly T[] }
  | { readonly kind: 'refuse'; readonly limit: keyof AdmissionLimits; readonly value: number };

export function decideAdmission<T extends AdmissionCandidate>(
  request: AdmissionRequest,
  links: readonly T[],
  dialing: number,
  limits: AdmissionLimits,
  now: number,
): AdmissionDecision<T> {
  const evicted = new Set<T>();
  const live = (): T[] => links.filter((l) => !evicted.has(l));
  const refuse = (limit: keyof AdmissionLimits): AdmissionDecision<T> => ({ kind: 'refuse', limit, value: limits[limit] });
  const isIdle = (l: T): boolean => l.handshaken && now - l.activeAt >= limits.evictIdleAfter;
  /** The oldest never-handshaken incoming connection of `pool`, else its longest-idle incoming peer. */
  const victim = (pool: readonly T[], idleToo: boolean): T | undefined => {
    const incoming = pool.filter((l) => !l.outgoing);
    const pending = incoming.filter((l) => !l.handshaken);
    if (pending.length > 0) return oldest(pending, (l) => l.openedAt);
    return idleToo ? oldest(incoming.filter(isIdle), (l) => l.activeAt) : undefined;
  };

  if (request.direction === 'outgoing') {
    const pendingOut = dialing + links.filter((l) => l.outgoing && !l.handshaken).length;
    if (pendingOut >= limits.maxPendingOutgoing) return refuse('maxPendingOutgoing');
  } else {
    const host = request.host ?? '';
    const fromHost = (): T[] => live().filter((l) => !l.outgoing && l.host === host);
    const samePending = fromHost().filter((l) => !l.handshaken);
    if (samePending.length >= limits.maxPendingPerAddress) {
      const v = victim(samePending, false);
      if (!v) return refuse('maxPendingPerAddress');
      evicted.add(v);
    }
    const pendingIn = live().filter((l) => !l.outgoing && !l.handshaken);
    if (pendingIn.length >= limits.maxPendingConnections) {
      const v = victim(busiestAddress(pendingIn), false);
      if (!v) return refuse('maxPendingConnections');
      evicted.add(v);
    }
    if (fromHost().length >= limits.maxConnectionsPerAddress) {
      const v = victim(fromHost(), true);
      if (!v) return refuse('maxConnectionsPerAddress');
      evicted.add(v);
    }
  }
  if (live().length + dialing >= limits.maxConnections) {
    const v = victim(live(), true);
    if (!v) return refuse('maxConnections');
    evicted.add(v);
  }
  return { kind: 'admit', evict: [...evicted] };
}

function oldest<T>(items: readonly T[], at: (item: T) => number): T | undefined {
  let best: T | undefined;
  for (const item of items) if (best === undefined || at(item) < at(best)) best = item;
  return best;
}

/** The connections of `pool` from the remote IP that holds the most of them. */
function busiestAddress<T extends AdmissionCandidate>(pool: readonly T[]): T[] {
  const byHost = new Map<string, T[]>();
  for (const l of pool) {
    const list = byHost.get(l.host);
    if (list) list.push(l);
    else byHost.set(l.host, [l]);
  }
  let best: T[] = [];
  for (const list of byHost.values()) if (list.length > best.length) best = list;
  return best;
}
