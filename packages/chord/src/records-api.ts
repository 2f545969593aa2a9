/**
 * `socket.records`: signed mutable records in an authenticated subnet (README, "Signed
 * records"). A record is owned by a key pair, named, and sequenced; its five slots are derived
 * from (owner, name) (records.ts); storers refuse what is not a higher sequence signed by the
 * owner (records-guard.ts); a read takes the highest valid sequence (records-read.ts).
 */
import {
  ClosedError,
  InvalidArgumentError,
  decodeMsgpack,
  encodeMsgpack,
  evictOldest,
  keyBytes,
  toHex,
  type Identity,
  type KeyInput,
  type WaitOptions,
} from '@p2p/base';
import type { ChordContext } from './context';
import { StaleRecordError } from './errors';
import { HASH_METHODS } from './hashing';
import { assertWriteFits, broadcastMessage, notifyAddMessage } from './messages';
import { DEFAULT_GET_TIMEOUT } from './options';
import { SlotRead } from './quorum-read';
import {
  MAX_RECORD_NAME_BYTES,
  MAX_RECORD_SEQ,
  RECORD_OVERHEAD_BYTES,
  encodeRecord,
  ownerDigest,
  parseRecord,
  recordLocationKey,
  recordSlots,
  type ParsedRecord,
} from './records';
import { RecordReadPolicy } from './records-read';
import type { Entry } from './tables';

/** A record's name: text (UTF-8) or bytes, at most 256 bytes. */
export type RecordName = KeyInput;
/** Whose record: a node id (base58) or a 32-byte Ed25519 public key. */
export type RecordOwner = string | Uint8Array;

/** Options of {@link ChordRecords.put}. */
export interface PutRecordOptions extends WaitOptions {
  /**
   * The sequence number to sign (an integer from 1). Must be above the last one this node knows
   * for the name, else `RECORD_STALE`.
   * @default the last one known here + 1; when none is known, the network is read first
   */
  seq?: number;
  /** Milliseconds the read for the last sequence may take (when `seq` is not given). @default 10000 */
  timeout?: number;
}

/** Options of {@link ChordRecords.get}. */
export interface GetRecordOptions extends WaitOptions {
  /** Milliseconds before giving up. @default 10000 */
  timeout?: number;
}

/** A record as read: the value, its sequence number, and whose it is. */
export interface ChordRecord {
  readonly value: unknown;
  readonly seq: number;
  /** The owner's node id. */
  readonly owner: string;
  /** The owner's Ed25519 public key (32 bytes). */
  readonly publicKey: Uint8Array;
  /** The record's name, as bytes. */
  readonly name: Uint8Array;
}

/** Names whose last sequence this node remembers; older ones are read from the network again. */
const MAX_KNOWN_SEQS = 10_000;

export class ChordRecords {
  readonly #ctx: () => ChordContext;
  /** Last sequence known per own record name (hex), in insertion order for eviction. */
  readonly #seqs = new Map<string, number>();
  /** One put per name at a time, so two puts never pick the same sequence. */
  readonly #putting = new Map<string, Promise<unknown>>();
  readonly #reads = new Set<SlotRead>();
  #closeHooked = false;

  constructor(ctx: () => ChordContext) {
    this.#ctx = ctx;
  }

  /**
   * Signs `value` as this node's record `name` with the next sequence number and stores it in
   * the record's five slots (replicated like any chord value). Resolves with the sequence
   * signed. Like `set`, the stores are not acknowledged.
   * @throws InvalidArgumentError (`INVALID_ARGUMENT`) outside an authenticated subnet, for a bad name or seq;
   *   StaleRecordError (`RECORD_STALE`), EncodeError (`ENCODE_ERROR`), FrameTooLargeError (`FRAME_TOO_LARGE`),
   *   and, while reading the last sequence, `TIMEOUT` / `ABORTED`; ClosedError (`CLOSED`)
   */
  async put(name: RecordName, value: unknown, options: PutRecordOptions = {}): Promise<{ seq: number }> {
    const ctx = this.#open();
    const identity = this.#identity(ctx);
    const nameBytes = recordName(name);
    const valueRaw = encodeMsgpack(value === undefined ? null : value).slice();
    assertWriteFits(valueRaw.length + nameBytes.length + RECORD_OVERHEAD_BYTES, ctx.host.limits.maxFrameBytes);
    if (options.seq !== undefined) assertSeq(options.seq);
    const hex = toHex(nameBytes);
    const run = (this.#putting.get(hex) ?? Promise.resolve()).then(() => this.#put(identity, nameBytes, valueRaw, options));
    const tail: Promise<void> = run.then(
      () => undefined,
      () => undefined,
    );
    this.#putting.set(hex, tail);
    void tail.then(() => this.#putting.get(hex) === tail && this.#putting.delete(hex));
    return run;
  }

  /**
   * Reads `owner`'s record `name`: asks its five slots, checks every answer (owner signature,
   * owner and name) and resolves with the highest valid sequence, once every slot answered (a
   * slot that answers nothing but nil for about 500 ms counts as empty) or at the timeout.
   * @throws KeyNotFoundError (`KEY_NOT_FOUND`) when no slot holds the record; SignatureInvalidError
   *   (`SIGNATURE_INVALID`) when only forged records were answered; `TIMEOUT`, `ABORTED`, `CLOSED`;
   *   InvalidArgumentError (`INVALID_ARGUMENT`) outside an authenticated subnet or for a bad owner or name
   */
  async get(owner: RecordOwner, name: RecordName, options: GetRecordOptions = {}): Promise<ChordRecord> {
    const ctx = this.#open();
    if (!ctx.host.authenticated) throw notAuthenticated();
    const digest = ownerDigest(owner);
    if (!digest) throw new InvalidArgumentError('a record owner is a node id or a 32-byte public key');
    const record = await this.#read(ctx, digest, recordName(name), typeof owner === 'string' ? owner : toHex(owner), options);
    if (record.owner === ctx.host.id) this.#know(toHex(record.name), record.seq);
    return {
      value: decodeMsgpack(record.valueRaw),
      seq: record.seq,
      owner: record.owner,
      publicKey: record.publicKey.slice(),
      name: record.name.slice(),
    };
  }

  async #put(identity: Identity, name: Uint8Array, valueRaw: Uint8Array, options: PutRecordOptions): Promise<{ seq: number }> {
    const hex = toHex(name);
    const known = this.#seqs.get(hex);
    let seq = options.seq;
    if (seq !== undefined && known !== undefined && seq <= known) {
      throw new StaleRecordError(`sequence ${seq} is not above ${known}, the last one known for this record`, { details: { seq, known } });
    }
    seq ??= (known ?? (await this.#lastSeq(identity, name, options))) + 1;
    if (seq > MAX_RECORD_SEQ) throw new InvalidArgumentError('the record has reached the highest sequence number');
    const ctx = this.#open();
    const raw = encodeRecord(identity, ctx.host.protocol.subnet, name, seq, valueRaw);
    const entry: Entry = { value: decodeMsgpack(raw), raw };
    const record = parseRecord(raw)!;
    ctx.writes.records.trust(entry, record);
    const slots = recordSlots(record.ownerDigest, name);
    HASH_METHODS.forEach((method, i) => ctx.writes.store(method, slots[i]!, entry));
    const key = recordLocationKey(record.ownerDigest, name);
    if (!ctx.store.hasKey(key)) {
      ctx.store.addKey(key, true);
      broadcastMessage(ctx.host, notifyAddMessage(key));
    }
    this.#know(hex, seq);
    return { seq };
  }

  /** The sequence of this node's record `name` in the network; 0 when it has none (or only forged copies). */
  async #lastSeq(identity: Identity, name: Uint8Array, options: PutRecordOptions): Promise<number> {
    const ctx = this.#open();
    try {
      const record = await this.#read(ctx, ownerDigest(identity.publicKey)!, name, identity.id, options);
      return record.seq;
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code === 'KEY_NOT_FOUND' || code === 'SIGNATURE_INVALID') return 0;
      throw err;
    }
  }

  #read(ctx: ChordContext, digest: Uint8Array, name: Uint8Array, owner: string, options: WaitOptions): Promise<ParsedRecord> {
    const { signal, timeout = DEFAULT_GET_TIMEOUT } = options;
    const slots = recordSlots(digest, name);
    const guard = ctx.writes.records;
    const policy = new RecordReadPolicy({
      subnet: ctx.host.protocol.subnet,
      ownerDigest: digest,
      owner,
      name,
      timeout,
      refused: (reason) => guard.refuse(reason, 'read'),
    });
    const read = new SlotRead(
      {
        key: name,
        timeout,
        signal,
        clock: ctx.host.clock,
        lookup: (i, onAnswer) => ctx.lookups.lookup(HASH_METHODS[i]!, slots[i]!, timeout, onAnswer),
        isClosed: () => ctx.host.closed,
      },
      policy,
    );
    this.#hookClose(ctx);
    this.#reads.add(read);
    return (read.run() as Promise<ParsedRecord>).finally(() => this.#reads.delete(read));
  }

  /** Pending reads reject with `CLOSED` when the socket closes (its lookups are dropped then). */
  #hookClose(ctx: ChordContext): void {
    if (this.#closeHooked) return;
    this.#closeHooked = true;
    ctx.self.on('close', () => {
      const closed = new ClosedError('the socket is closed');
      for (const read of [...this.#reads]) read.fail(closed);
    });
  }

  #know(hex: string, seq: number): void {
    const known = this.#seqs.get(hex);
    if (known !== undefined && known >= seq) return;
    this.#seqs.delete(hex);
    this.#seqs.set(hex, seq);
    evictOldest(this.#seqs, MAX_KNOWN_SEQS);
  }

  #open(): ChordContext {
    const ctx = this.#ctx();
    if (ctx.host.closed) throw new ClosedError('the socket is closed');
    return ctx;
  }

  #identity(ctx: ChordContext): Identity {
    const identity = ctx.host.identity;
    if (!ctx.host.authenticated || !identity) throw notAuthenticated();
    return identity;
  }
}

function notAuthenticated(): InvalidArgumentError {
  return new InvalidArgumentError('signed records need an authenticated subnet: new Protocol(subnet, encryption, { auth: true })');
}

function recordName(name: RecordName): Uint8Array {
  const bytes = keyBytes(name, 'a record name');
  if (bytes.length > MAX_RECORD_NAME_BYTES) {
    throw new InvalidArgumentError(`a record name has at most ${MAX_RECORD_NAME_BYTES} bytes`, { details: { bytes: bytes.length } });
  }
  return bytes;
}

function assertSeq(seq: number): void {
  if (!Number.isSafeInteger(seq) || seq < 1) throw new InvalidArgumentError('a record seq is an integer from 1', { details: { seq } });
}
