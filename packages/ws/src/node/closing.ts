/**
 * The closing handshake's bound on Node's `ws` sockets. Once both close frames are exchanged,
 * `ws` ends its TCP side and waits for the peer to close its own; by default it waits 30 s
 * before destroying the socket, so a peer that sends its close frame and keeps TCP open held a
 * link (its `close` event, the node's slot for that peer) for half a minute. Both the dialer and
 * the listener set it to the same 2 s grace as `WsConnection.end()`.
 */
import { END_GRACE_MS } from '../ws-connection';

/** `ws`'s `closeTimeout` option (ws 8.18 and later; absent from `@types/ws` 8.18.2), spread into its options. */
export const closeTimeoutOption: object = Object.freeze({ closeTimeout: END_GRACE_MS });
