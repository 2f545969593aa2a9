/**
 * A received frame body as the relay path keeps it (forwarded as it arrived, PROTOCOL.md 4.7), and
 * the rule for keeping a body without copying it out of the transport's chunk.
 */

/** A received frame body, its length header and the method it is compressed with, fit to forward as it is. */
export interface ReceivedBody {
  readonly header: Uint8Array;
  readonly body: Uint8Array;
  readonly compression: number | null;
}

/** Bytes of a chunk a kept body may pin beyond itself: this many, or an eighth of the body. */
const PINNED_SLACK_BYTES = 64;

/** True when keeping `view` alive keeps little else alive: it spans (nearly) all of its buffer. */
export function spansItsBuffer(view: Uint8Array): boolean {
  return view.buffer.byteLength - view.byteLength <= Math.max(PINNED_SLACK_BYTES, view.byteLength >>> 3);
}
