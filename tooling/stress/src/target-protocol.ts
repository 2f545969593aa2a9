/** The IPC messages between the suite and a target process (`target.ts`). */
export type TargetCommand = { cmd: 'stats' | 'gc' | 'close' } | { cmd: 'connect'; host: string; port: number };
export type TargetRequest = TargetCommand & { seq: number };

export interface TargetStats {
  rss: number;
  heapUsed: number;
  /** V8's reserved heap (used or not), and memory held outside it (buffers). */
  heapTotal: number;
  external: number;
  /** Largest heap seen since the last `gc` request (sampled every 20 ms). */
  peakHeap: number;
  peers: string[];
  /** `error` events by code. */
  errors: Record<string, number>;
  /** Messages delivered to the application. */
  messages: number;
}

export interface TargetReply {
  seq: number;
  ready?: { id: string; port: number; protocolId: string };
  stats?: TargetStats;
  error?: string;
}
