/**
 * js2p sends each frame, 4-byte header included, as one binary WebSocket message (PROTOCOL.md
 * 1.1). A link hands the transport several frames at once (one write per tick), so the writer
 * cuts them apart again by their length headers. Pure state over byte counts: nothing is
 * buffered; a write that ends inside a frame is sent as is and the rest of that frame follows
 * (a js2p or @p2p receiver reads messages as one byte stream, so that still parses).
 */
export class MessageSplitter {
  /** Body bytes of the current frame still to come. */
  #remaining = 0;
  /** Bytes of a length header seen so far when a write ended inside it. */
  #header: number[] = [];

  /** The message boundaries of `data`: subarrays, each at most one frame. */
  split(data: Uint8Array): Uint8Array[] {
    const out: Uint8Array[] = [];
    let start = 0;
    let at = 0;
    while (at < data.length) {
      if (this.#remaining > 0) {
        const take = Math.min(this.#remaining, data.length - at);
        this.#remaining -= take;
        at += take;
        if (this.#remaining === 0) {
          out.push(data.subarray(start, at));
          start = at;
        }
        continue;
      }
      this.#header.push(data[at]!);
      at++;
      if (this.#header.length === 4) {
        const [a, b, c, d] = this.#header as [number, number, number, number];
        this.#header = [];
        this.#remaining = ((a << 24) >>> 0) + (b << 16) + (c << 8) + d;
        if (this.#remaining === 0) {
          out.push(data.subarray(start, at));
          start = at;
        }
      }
    }
    if (start < data.length) out.push(data.subarray(start));
    return out;
  }
}
