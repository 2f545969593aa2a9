import { base58EncodeInt } from './base58';
import { toHex } from './bytes';
import type { WireMessage } from './frame';
import type { Protocol } from './protocol-id';

/** What a socket supplies so that a received message can be answered. */
export interface MessageInit {
  wire: WireMessage;
  protocol: Protocol;
  /** Sends `whisper / whisper [...packets]` back to the originator (directly or by route). */
  reply: (packets: readonly unknown[]) => Promise<void>;
  /** The socket that received the message (read-only to users). */
  socket?: unknown;
}

/**
 * A message as users receive it (PROTOCOL.md 10.2). `packets` is the payload: `packets[0]` is
 * the sub-flag and user data starts at `packets[1]`.
 */
export class Message {
  readonly packets: readonly unknown[];
  /** Base58 id of the node that originated the message (relays never change it). */
  readonly sender: string;
  /** Creation time, whole seconds since the epoch (UTC). */
  readonly time: number;
  /** The 32-byte SHA-256 of the msgpack packet array, which is also the frame checksum. */
  readonly id: Uint8Array;
  /** Size of the frame as it arrived (header included). */
  readonly byteLength: number;
  readonly protocol: Protocol;
  readonly socket: unknown;
  /** The main flag it travelled under (broadcast 0 or whisper 2). */
  readonly type: number;
  readonly #reply: MessageInit['reply'];

  constructor(init: MessageInit) {
    const { wire } = init;
    this.packets = Object.freeze([...wire.payload]);
    this.sender = wire.sender;
    this.time = wire.time;
    this.id = wire.id;
    this.byteLength = wire.frameLength;
    this.type = wire.type;
    this.protocol = init.protocol;
    this.socket = init.socket;
    this.#reply = init.reply;
  }

  /** The timestamp in base58, as py2p's `time_58`. */
  get time58(): string {
    return base58EncodeInt(BigInt(this.time));
  }

  get idHex(): string {
    return toHex(this.id);
  }

  /**
   * Whispers `packets` back to the sender, even when this node is not connected to it (a route
   * request finds it). Rejects with `REPLY_ROUTE_TIMEOUT` when no route is found in time.
   */
  reply(...packets: unknown[]): Promise<void> {
    return this.#reply(packets);
  }

  toString(): string {
    const shown = this.packets.map(describe);
    return `Message(type=${this.type}, sender=${this.sender}, time=${this.time}, id=${this.idHex.slice(0, 16)}…, packets=[${shown.join(', ')}])`;
  }
}

function describe(value: unknown): string {
  if (value instanceof Uint8Array) return `<${value.length} bytes>`;
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'bigint') return `${value}n`;
  if (value !== null && typeof value === 'object') return Array.isArray(value) ? `[${value.map(describe).join(', ')}]` : '{…}';
  return String(value);
}
