/**
 * Where a storer (and a forwarder) enforces signed records, in authenticated subnets only: every
 * received value that starts like a record is checked (structure, owner signature, location =
 * the slot it was sent to) before it is stored, forwarded, backed up or passed on; a slot that
 * holds a record changes only to a higher sequence of it (records-policy.ts). In a plain subnet
 * every call here says yes and nothing is parsed: the wire and behaviour stay py2p's.
 */
import { SignatureInvalidError, type P2PError } from '@p2p/base';
import type { MeshConnection, MeshHost } from '@p2p/mesh';
import { StaleRecordError } from './errors';
import type { HashMethod } from './hashing';
import { recordMetrics, type RecordRefusal, type RecordVia } from './metrics';
import { looksLikeRecord, parseRecord, recordAt, verifyRecord, type ParsedRecord } from './records';
import { decideRecordWrite, type HeldValue, type IncomingWrite } from './records-policy';
import type { Entry, HashTables } from './tables';

/** A refused write's text, by reason. */
const REFUSAL_TEXT: Readonly<Record<RecordRefusal, string>> = {
  malformed: 'a malformed signed record',
  signature: "a signed record whose signature is not its owner's",
  location: "a signed record sent to a slot that is not its owner's and name's",
  unsigned: 'an unsigned write to a slot holding a signed record',
  stale: 'a signed record whose sequence is not above the one held',
};

/** What the guard needs of its node. */
export interface GuardHost {
  readonly host: Pick<MeshHost, 'authenticated' | 'protocol' | 'metrics' | 'reportError'>;
  disconnect(connection: MeshConnection): void;
}

export class RecordGuard {
  readonly #node: GuardHost;
  readonly #count: (reason: RecordRefusal, via: RecordVia) => void;
  /** Entries whose record signature verified (or that are not records: null), so a value is checked once. */
  readonly #checked = new WeakMap<Entry, ParsedRecord | null>();

  constructor(node: GuardHost) {
    this.#node = node;
    this.#count = recordMetrics(node.host.metrics);
  }

  /** True in an authenticated subnet: records are enforced. */
  get enabled(): boolean {
    return this.#node.host.authenticated;
  }

  /** Marks `entry` as holding `record`, signed here (a local `records.put`). */
  trust(entry: Entry, record: ParsedRecord): void {
    this.#checked.set(entry, record);
  }

  /**
   * A value received from `conn` for slot `(method, k)` (`via` store or backup): false when it is
   * an invalid record, which is counted, reported as `SIGNATURE_INVALID` and drops `conn` (honest
   * nodes check records before they send them on, so only a faulty or hostile neighbour sends one).
   */
  received(entry: Entry | null, method: HashMethod, k: bigint, conn: MeshConnection, via: RecordVia): boolean {
    if (!this.enabled || entry === null) return true;
    const check = this.#classify(entry, method, k);
    if (typeof check !== 'string') return true;
    this.refuse(check, via, { peer: conn.peerId, method });
    this.#node.disconnect(conn);
    return false;
  }

  /**
   * A write of this node's own (`set`) about to be forwarded: false when its value is an invalid
   * record (counted and reported; sending it would only get this node's link dropped).
   */
  outgoing(entry: Entry | null, method: HashMethod, k: bigint): boolean {
    if (!this.enabled || entry === null) return true;
    const check = this.#classify(entry, method, k);
    if (typeof check !== 'string') return true;
    this.refuse(check, 'local', { method });
    return false;
  }

  /**
   * A retrieved answer `raw` for slot `(method, k)` (k undefined when unreadable: not checked
   * against a slot) from `conn`: false when it is an invalid record (counted, reported, `conn`
   * dropped, the answer not passed on).
   */
  answered(raw: Uint8Array | undefined, method: HashMethod | undefined, k: bigint | undefined, conn: MeshConnection): boolean {
    if (!this.enabled || raw === undefined || !looksLikeRecord(raw)) return true;
    const record = parseRecord(raw);
    const reason: RecordRefusal | undefined = !record
      ? 'malformed'
      : method !== undefined && k !== undefined && !recordAt(record, method, k)
        ? 'location'
        : verifyRecord(record, this.#node.host.protocol.subnet)
          ? undefined
          : 'signature';
    if (reason === undefined) return true;
    this.refuse(reason, 'answer', { peer: conn.peerId, method });
    this.#node.disconnect(conn);
    return false;
  }

  /**
   * Whether `incoming` (an entry, null for a delete, `'delta'` for a merge) may change slot
   * `(method, k)` of `table`. Refusals are counted and reported; an identical record is a
   * silent no-op (replica repair and backups re-send what is held).
   */
  admit(table: HashTables, method: HashMethod, k: bigint, incoming: Entry | null | 'delta', via: RecordVia, peer?: string): boolean {
    if (!this.enabled) return true;
    const held = table.get(method, k);
    const heldValue: HeldValue = held === undefined ? { kind: 'none' } : this.#heldValue(held, method, k);
    let write: IncomingWrite;
    if (incoming === null) write = { kind: 'delete' };
    else if (incoming === 'delta') write = { kind: 'delta' };
    else {
      const check = this.#classify(incoming, method, k);
      if (typeof check === 'string') {
        this.refuse(check, via, { peer, method });
        return false;
      }
      write = check === null ? { kind: 'plain' } : { kind: 'record', record: check };
    }
    const decision = decideRecordWrite(heldValue, write);
    if (decision === 'accept') return true;
    if (decision === 'same') return false;
    const details: Record<string, unknown> = { peer, method };
    if (heldValue.kind === 'record') Object.assign(details, { owner: heldValue.record.owner, heldSeq: heldValue.record.seq });
    if (write.kind === 'record') details.seq = write.record.seq;
    this.refuse(decision, via, details);
    return false;
  }

  /** True when `incoming` is a higher seq of the record `held` holds at slot `(method, k)` (no report either way). */
  supersedes(held: Entry, incoming: Entry, method: HashMethod, k: bigint): boolean {
    if (!this.enabled) return false;
    const have = this.#classify(held, method, k);
    const got = this.#classify(incoming, method, k);
    return have !== null && got !== null && typeof have !== 'string' && typeof got !== 'string' && got.seq > have.seq;
  }

  /** Counts a refusal and reports it: `RECORD_STALE` for `stale`, `SIGNATURE_INVALID` otherwise. */
  refuse(reason: RecordRefusal, via: RecordVia, details: Record<string, unknown> = {}): void {
    this.#count(reason, via);
    if (via === 'read') return;
    const text = `${REFUSAL_TEXT[reason]}; refused`;
    const options = { details: { reason, via, ...details } };
    const error: P2PError = reason === 'stale' ? new StaleRecordError(text, options) : new SignatureInvalidError(text, options);
    this.#node.host.reportError(error);
  }

  /** A held entry: a record (checked when it came in) or a plain value. */
  #heldValue(entry: Entry, method: HashMethod, k: bigint): HeldValue {
    const check = this.#classify(entry, method, k);
    return check !== null && typeof check !== 'string' ? { kind: 'record', record: check } : { kind: 'plain' };
  }

  /** The entry's verified record for slot `(method, k)`, null when it is not a record, or why it is an invalid one. */
  #classify(entry: Entry, method: HashMethod, k: bigint): ParsedRecord | null | RecordRefusal {
    let record = this.#checked.get(entry);
    if (record === undefined) {
      if (!looksLikeRecord(entry.raw)) record = null;
      else {
        const parsed = parseRecord(entry.raw);
        if (!parsed) return 'malformed';
        if (!recordAt(parsed, method, k)) return 'location';
        if (!verifyRecord(parsed, this.#node.host.protocol.subnet)) return 'signature';
        record = parsed;
      }
      this.#checked.set(entry, record);
      return record;
    }
    if (record !== null && !recordAt(record, method, k)) return 'location';
    return record;
  }
}
