/** Node `ws` errors as typed errors. */
import { ConnectionLostError, type Endpoint, type P2PError } from '@p2p/base';
import { WsErrorReason, where, wsError } from '../errors';

/** An `error` event of a `ws` socket: framing violations are WEBSOCKET_ERROR, the rest a lost connection. */
export function errorOfEvent(event: { error?: unknown; message?: string }, remote: Endpoint): P2PError {
  const err = event.error as (Error & { code?: string }) | undefined;
  const code = err?.code;
  if (code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') {
    return wsError(WsErrorReason.messageTooLarge, `${where(remote)} sent a message over maxPayload`, remote, { cause: err, details: { code } });
  }
  if (code?.startsWith('WS_ERR_')) {
    return wsError(WsErrorReason.protocolError, `${where(remote)} broke the WebSocket framing: ${err?.message ?? ''}`, remote, { cause: err, details: { code } });
  }
  return new ConnectionLostError(`connection to ${where(remote)} failed: ${err?.message ?? event.message ?? 'unknown error'}`, {
    cause: err,
    details: { code, remote },
  });
}
