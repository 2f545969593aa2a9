/**
 * The receive pipeline of PROTOCOL.md 4.7: renegotiation, the waterfall and relay (4.8), the
 * built-in handlers by sub-flag (mesh's, then the extension's, in registration order), then
 * the user's chain, then the receive queue. Also the one rule for who is to blame for a
 * malformed message.
 */
import {
  BadMessageError,
  HandlerError,
  MainFlags,
  Message,
  SignatureInvalidError,
  SubFlags,
  isP2PError,
  negotiateReply,
  type P2PError,
  type WireMessage,
} from '@p2p/base';
import { AUTH_SUBFLAG } from './auth-handshake';
import type { MeshContext } from './context';
import { InvalidHandlerError } from './errors';
import { MessageVerifier, type SignatureFailure } from './message-signing';
import type { MessageHandler } from './events';
import type { Link } from './link';
import { parseCompressionList } from './payloads';
import type { Sender } from './sender';
import type { Waterfall } from './waterfall';

/** A built-in handler as mesh modules write it: with the link, not only its public view. */
export type LinkHandler = (message: Message, link: Link, wire: WireMessage) => boolean | void;

export interface DispatcherDeps {
  readonly ctx: MeshContext;
  readonly waterfall: Waterfall;
  readonly sender: Sender;
  /** What `Message.socket` refers to. */
  readonly socket: unknown;
  reply(target: string, packets: readonly unknown[]): Promise<void>;
  deliver(message: Message): void;
  /** True once shutdown began: incoming messages are ignored. */
  stopped(): boolean;
}

export class Dispatcher {
  readonly #deps: DispatcherDeps;
  readonly #handlers = new Map<number, LinkHandler[]>();
  #user: MessageHandler[] = [];
  /** Checks signatures in authenticated subnets (made once the socket started and knows its subnet). */
  #verifier: MessageVerifier | undefined;

  constructor(deps: DispatcherDeps) {
    this.#deps = deps;
  }

  /** Adds a built-in handler for sub-flag `sub`, after those already added for it. */
  on(sub: number, handler: LinkHandler): void {
    const list = this.#handlers.get(sub);
    if (list) list.push(handler);
    else this.#handlers.set(sub, [handler]);
  }

  /**
   * Adds a user handler at the end of the chain; returns its remover.
   * @throws InvalidHandlerError (`INVALID_HANDLER`) unless it takes exactly `(message, connection)` when `checkArity`
   */
  addUserHandler(handler: MessageHandler, checkArity: boolean): () => void {
    if (typeof handler !== 'function') throw new InvalidHandlerError('a handler must be a function');
    if (checkArity && handler.length !== 2) {
      throw new InvalidHandlerError(
        `a handler must take exactly (message, connection), this one declares ${handler.length} parameters`,
        { details: { length: handler.length } },
      );
    }
    this.#user = [...this.#user, handler];
    return () => {
      this.#user = this.#user.filter((h) => h !== handler);
    };
  }

  dispatch(link: Link, received: WireMessage): void {
    const { ctx, waterfall, sender } = this.#deps;
    let wire = received;
    // One clock read per frame, shared by the latency metric and the waterfall.
    const now = ctx.clock.now();
    ctx.metrics.received(wire, now);
    if (this.#deps.stopped()) return ctx.metrics.dropped('stopped');
    // PROTOCOL.md 1.4 step 4: an empty payload is accepted and ignored.
    if (wire.payload.length === 0) return ctx.metrics.dropped('empty');
    // Authenticated subnets: verified before it is handled, delivered or (a broadcast, below) relayed.
    if (ctx.signer && wire.type !== MainFlags.broadcast) {
      const opened = this.#verify(link, wire);
      if (opened === undefined) return;
      wire = opened;
    }
    // Every peer speaks its handshake first (4.2), then in an authenticated subnet its hello and
    // proof: anything else before it is neither relayed nor handled, and the link is dropped.
    if (link.state === 'handshaking' && !(wire.type === MainFlags.whisper && (wire.payload[0] === SubFlags.handshake || (ctx.signer && wire.payload[0] === AUTH_SUBFLAG)))) {
      ctx.metrics.dropped('before_handshake');
      link.fail(new BadMessageError('a message before the handshake', { details: { remote: link.remote, type: wire.type, subFlag: wire.payload[0] } }));
      return;
    }
    // 4.7 step 1
    if (wire.type === MainFlags.renegotiate) {
      this.#renegotiate(link, wire);
      return;
    }
    // 4.7 step 2 / 4.8
    if (wire.type === MainFlags.broadcast) {
      const verdict = waterfall.admit(wire.id, wire.time, Math.floor(now / 1000));
      if (verdict !== 'new') return ctx.metrics.dropped(verdict);
      // A copy of an accepted broadcast has its bytes (its id is their hash): checked once.
      if (ctx.signer) {
        const opened = this.#verify(link, wire);
        if (opened === undefined) return;
        wire = opened;
      }
      sender.relay(wire, link);
    }
    const message = new Message({
      wire,
      protocol: ctx.protocol,
      socket: this.#deps.socket,
      reply: (packets) => this.#deps.reply(wire.sender, packets),
    });
    const sub = wire.payload[0];
    // 4.7 step 3: built-in handlers, then user handlers; the first to return true claims it.
    // A handler that throws claims it too (#threw). No closure per handler and message.
    const builtIn = this.#handlers.get(sub as number);
    if (builtIn !== undefined) {
      for (const handler of builtIn) {
        try {
          if (handler(message, link, wire) === true) return;
        } catch (err) {
          return this.#threw(err, link, wire);
        }
      }
    }
    for (const handler of this.#user) {
      try {
        if (handler(message, link.connection) === true) return;
      } catch (err) {
        return this.#threw(err, link, wire);
      }
    }
    // 4.7 step 4
    if (sub === SubFlags.broadcast || sub === SubFlags.whisper) this.#deps.deliver(message);
  }

  /**
   * A received message's signature (message-signing.ts): the message without its envelope, or
   * undefined when refused. A whisper must also come from the neighbour that signed it (only
   * broadcasts are relayed). The penalty rule: honest nodes verify before they relay, so the
   * neighbour that passed on a bad signature is faulty or hostile, and its link is dropped.
   */
  #verify(link: Link, wire: WireMessage): WireMessage | undefined {
    const { ctx } = this.#deps;
    const opened = (this.#verifier ??= new MessageVerifier(ctx.protocol.subnet)).open(wire);
    let failure: SignatureFailure | 'path' | undefined = typeof opened === 'string' ? opened : undefined;
    if (failure === undefined && wire.type !== MainFlags.broadcast && link.peerId !== undefined && wire.sender !== link.peerId) failure = 'path';
    if (failure === undefined) return opened as WireMessage;
    ctx.metrics.signatureFailed(failure);
    const why = { missing: 'carries no signature', sender: "is signed by a key that is not its sender's", signature: 'has a signature that does not verify', path: 'is a whisper of another node' }[failure];
    link.fail(
      new SignatureInvalidError(`a message from ${link.peerId?.slice(0, 12) ?? `${link.remote.host}:${link.remote.port}`} ${why}; dropped it and the connection`, {
        details: { reason: failure, peer: link.peerId, sender: wire.sender, remote: link.remote, type: wire.type, subFlag: wire.payload[0] },
      }),
    );
    return undefined;
  }

  /**
   * The one blame rule for a malformed message. A peer that has not handshaken is to blame
   * for anything it sends: the link is dropped. Otherwise the error is reported and the link
   * stays (F10), unless `fatal` (a message that carries state, as a sync store) and the peer
   * wrote it itself (a whisper, or a broadcast it originated, not one it only relays).
   */
  malformed(link: Link, wire: WireMessage, error: P2PError, fatal = false): void {
    const wroteIt = wire.type !== MainFlags.broadcast || wire.sender === link.peerId;
    if (link.peerId === undefined || (fatal && wroteIt)) link.fail(error);
    else this.#deps.ctx.report(error);
  }

  /** A handler threw: reported (F10: the link stays); the message counts as claimed. */
  #threw(err: unknown, link: Link, wire: WireMessage): void {
    // A closing link still reads what the peer sent before the close, and a handler's answer on
    // it cannot go out: expected, and counted, not a handler's fault.
    if (link.closed && isP2PError(err, 'CLOSED')) return this.#deps.ctx.metrics.dropped('answer_on_closing_link');
    if (isP2PError(err, 'BAD_MESSAGE')) {
      this.malformed(link, wire, err);
    } else {
      this.#deps.ctx.report(
        new HandlerError(`a message handler threw: ${err instanceof Error ? err.message : String(err)}`, {
          cause: err,
          details: { peer: link.peerId, sender: wire.sender, subFlag: wire.payload[0] },
        }),
      );
    }
  }

  #renegotiate(link: Link, wire: WireMessage): void {
    const [sub, value] = wire.payload;
    if (sub === SubFlags.compression) {
      const list = parseCompressionList(value);
      if (!list) {
        this.malformed(link, wire, new BadMessageError('renegotiation with a malformed compression list', { details: { peer: link.peerId } }));
        return;
      }
      const changed = !sameList(list, link.compression);
      link.setCompression(list);
      // 1.7.5: answer only a change, with my supported ∩ theirs in my order.
      if (changed) this.#deps.sender.sendTo(link, MainFlags.renegotiate, SubFlags.compression, [negotiateReply(this.#deps.ctx.compression, list)]);
    } else if (sub === SubFlags.resend) {
      link.resendLast();
    }
  }
}

function sameList(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}
