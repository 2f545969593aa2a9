/**
 * What each peer is known to hold, so a peer that reconnects gets what changed since it parted
 * rather than the whole dictionary. A checkpoint is earned, never assumed: after a replay this
 * node sends a mark with its change counter; the peer answers only after it processed everything
 * sent before the mark (one ordered stream), naming its own epoch (a random id of that running
 * instance). On the next handshake the peer announces its epoch again; only when it matches is
 * the replay cut to changes after the checkpoint. A peer that restarted (new epoch), a py2p peer
 * (never answers) or one never met gets the full replay.
 */

import { evictOldest } from '@p2p/base';

export interface Checkpoint {
  /** The peer instance that confirmed it (hex of its epoch). */
  readonly epoch: string;
  /** The local change counter it confirmed holding. */
  readonly seq: number;
}

/** Peers remembered by default (the least recently confirmed is forgotten first). */
export const MAX_CHECKPOINTS = 1024;

export class Checkpoints {
  readonly #byPeer = new Map<string, Checkpoint>();
  readonly #max: number;

  constructor(max = MAX_CHECKPOINTS) {
    this.#max = max;
  }

  get(peerId: string): Checkpoint | undefined {
    return this.#byPeer.get(peerId);
  }

  /** Records a confirmation; a lower `seq` from the same epoch never moves the checkpoint back. */
  confirm(peerId: string, epoch: string, seq: number): void {
    const old = this.#byPeer.get(peerId);
    if (old !== undefined && old.epoch === epoch && old.seq >= seq) return;
    this.#byPeer.delete(peerId);
    this.#byPeer.set(peerId, { epoch, seq });
    evictOldest(this.#byPeer, this.#max);
  }

  /**
   * Where the replay to a peer announcing `epoch` may start: the confirmed counter when the
   * epoch matches, otherwise -1 (everything).
   */
  replayFrom(peerId: string, epoch: string | undefined): number {
    const c = this.#byPeer.get(peerId);
    return c !== undefined && epoch !== undefined && c.epoch === epoch ? c.seq : -1;
  }
}
