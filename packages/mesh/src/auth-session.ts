/**
 * The handshake of an authenticated subnet on each link (auth-handshake.ts has the pure parts):
 * this node's hello goes out right after its handshake; the peer's handshake waits here until
 * its hello and proof arrive and verify, and only then goes on to the usual handshake decision
 * (peer-exchange.ts), so an unproven claim never files a link, replaces one or probes one.
 * Any failure drops the link with `IDENTITY_INVALID` or `AUTH_FAILED`, counted by reason.
 */
import { IdentityError, MainFlags, type Identity, type Message, type P2PError, type TransportConnection, type WireMessage } from '@p2p/base';
import { AUTH_SUBFLAG, checkClaim, helloFields, makeProof, newNonce, parseAuthMessage, proofFields, verifyProof, type ProofFacts } from './auth-handshake';
import type { MeshContext } from './context';
import { AuthFailedError } from './errors';
import type { Link } from './link';
import { signerKey } from './message-signing';
import type { Sender } from './sender';

export interface AuthSessionDeps {
  readonly ctx: MeshContext;
  readonly identity: Identity;
  readonly sender: Sender;
  /** The peer proved its key: its handshake goes on as any other. */
  proven(handshake: Message, link: Link): void;
}

/** One link's handshake state. */
interface Session {
  /** This node's nonce for the link. */
  readonly nonce: Uint8Array;
  handshake?: { readonly message: Message; readonly id: string };
  hello?: { readonly key: Uint8Array; readonly nonce: Uint8Array };
  proofSent: boolean;
  proven: boolean;
}

export class AuthSessions {
  readonly #deps: AuthSessionDeps;
  readonly #sessions = new WeakMap<Link, Session>();
  readonly #transports = new WeakMap<Link, TransportConnection>();

  constructor(deps: AuthSessionDeps) {
    this.#deps = deps;
  }

  /** A new link over `transport`, whose `info.peerPublicKey` (TLS) is checked against the peer's key. */
  adopted(link: Link, transport: TransportConnection): void {
    this.#transports.set(link, transport);
  }

  /** This node's handshake went out on `link`: the hello follows with a fresh nonce. */
  opened(link: Link): void {
    const session = this.#session(link);
    this.#deps.sender.sendTo(link, MainFlags.whisper, AUTH_SUBFLAG, helloFields(session.nonce));
  }

  /**
   * The peer's handshake (its protocol id is ours). True when it waits for the proof; false once
   * the peer has proven its key on this link (a repeated handshake goes on at once).
   */
  defer(message: Message, link: Link, id: string): boolean {
    const session = this.#session(link);
    if (session.proven) return false;
    if (session.handshake) {
      if (session.handshake.id !== id) this.#fail(link, 'changed_id', new AuthFailedError('a second handshake with another id before the proof', { details: this.#details(link, { claimed: id }) }));
      return true;
    }
    session.handshake = { message, id };
    this.#sendProof(link, session);
    return true;
  }

  /** Handler of `whisper / 0x2c`: the peer's hello or proof. Always claims it. */
  onAuth = (message: Message, link: Link, wire: WireMessage): boolean => {
    const session = this.#session(link);
    if (session.proven) return true;
    const auth = parseAuthMessage(message.packets);
    if (auth === undefined) return this.#fail(link, 'malformed', new AuthFailedError('malformed handshake hello or proof', { details: this.#details(link) }));
    if (auth.kind === 'hello') {
      if (session.hello) return this.#fail(link, 'unexpected', new AuthFailedError('a second hello on one connection', { details: this.#details(link) }));
      // Copies: views would keep the whole received buffer alive with the link.
      session.hello = { key: Uint8Array.from(signerKey(wire)), nonce: Uint8Array.from(auth.nonce) };
      this.#sendProof(link, session);
      return true;
    }
    const { handshake, hello } = session;
    if (!handshake || !hello || !session.proofSent) {
      return this.#fail(link, 'unexpected', new AuthFailedError('a handshake proof before the handshake and hello', { details: this.#details(link) }));
    }
    const facts: ProofFacts = {
      protocolId: this.#protocolId(link),
      signerId: handshake.id,
      verifierId: this.#deps.ctx.id,
      signerNonce: hello.nonce,
      verifierNonce: session.nonce,
    };
    if (wire.sender !== handshake.id || !verifyProof(hello.key, facts, auth.signature)) {
      return this.#fail(link, 'proof', new AuthFailedError(`the handshake proof of ${handshake.id.slice(0, 12)}… does not verify for this connection (replayed or forged)`, { details: this.#details(link, { claimed: handshake.id }) }));
    }
    session.proven = true;
    this.#deps.ctx.logger.debug(`peer ${handshake.id.slice(0, 8)} proved its key`);
    this.#deps.proven(handshake.message, link);
    return true;
  };

  /** Once the peer's handshake and hello are both here: check its claim, then prove this node's key. */
  #sendProof(link: Link, session: Session): void {
    const { handshake, hello } = session;
    if (!handshake || !hello || session.proofSent || link.closed) return;
    const info = this.#transports.get(link)?.info;
    const transportKey = info?.peerPublicKey instanceof Uint8Array ? info.peerPublicKey : undefined;
    const failure = checkClaim(handshake.id, hello.key, transportKey);
    if (failure === 'id') {
      this.#fail(link, 'id', new IdentityError(`a peer claimed the id ${handshake.id.slice(0, 12)}…, which is not the hash of the key that signed its hello`, { details: this.#details(link, { claimed: handshake.id }) }));
      return;
    }
    if (failure === 'transport_key') {
      this.#fail(link, 'transport_key', new AuthFailedError('the TLS certificate of the peer holds another key than its handshake', { details: this.#details(link, { claimed: handshake.id }) }));
      return;
    }
    const { ctx, identity, sender } = this.#deps;
    const facts: ProofFacts = { protocolId: this.#protocolId(link), signerId: ctx.id, verifierId: handshake.id, signerNonce: session.nonce, verifierNonce: hello.nonce };
    sender.sendTo(link, MainFlags.whisper, AUTH_SUBFLAG, proofFields(makeProof(identity, facts)));
    session.proofSent = true;
  }

  #session(link: Link): Session {
    let session = this.#sessions.get(link);
    if (!session) this.#sessions.set(link, (session = { nonce: newNonce(), proofSent: false, proven: false }));
    return session;
  }

  /** The protocol id of the link's transport (listeners.ts). */
  #protocolId(link: Link): string {
    const { ctx } = this.#deps;
    return (ctx.faces?.of(link).protocol ?? ctx.protocol).id;
  }

  #details(link: Link, more: Record<string, unknown> = {}): Record<string, unknown> {
    return { remote: link.remote, ...more };
  }

  #fail(link: Link, reason: string, error: P2PError): true {
    this.#deps.ctx.metrics.authFailed(reason);
    link.fail(error);
    return true;
  }
}
