/**
 * `p2p demo`: the whole stack in one process, over real TCP on 127.0.0.1. Starts N mesh, N sync
 * and N chord nodes, connects them, broadcasts and replies, replicates and leases keys, stores
 * keys in the DHT, kills a node without warning and reads every key back from the survivors.
 * Each step is a check with a deadline; the result says which held, honestly and with timings.
 *
 * This file runs the steps (`../demo/*-step.ts`) in order and reports; the steps share a
 * {@link DemoContext}, the checks go through a {@link CheckRecorder}.
 */
import type { Logger } from '@p2p/base';
import { writeLine, type OutputStream } from '../io';
import { LiveDisplay } from '../live-display';
import { CheckRecorder, type DemoCheck } from '../demo/checks';
import { chordSteps } from '../demo/chord-step';
import { DemoContext, HOST } from '../demo/context';
import { meshSteps } from '../demo/mesh-step';
import { liveTable, nodeTable, progressLine, summarize } from '../demo/report';
import { syncSteps } from '../demo/sync-step';

export type { DemoCheck } from '../demo/checks';

/** Options of {@link runDemo}. */
export interface DemoOptions {
  /** Nodes per network (mesh, sync, chord), 3 to 32. @default 5 */
  nodes?: number;
  /** Where the progress, checks and tables go. @default process.stdout */
  output?: OutputStream;
  /** Redraw a live status area. @default the output is a terminal */
  live?: boolean;
  /** Socket logger (the CLI's `--debug`). @default silent */
  logger?: Logger;
  /** Stops the demo early; running steps fail with "interrupted" and every node is closed. */
  signal?: AbortSignal;
}

export interface DemoReport {
  /** Every check held (and the demo was not interrupted). */
  readonly ok: boolean;
  /** `signal` stopped the demo before every check was made. */
  readonly interrupted: boolean;
  readonly nodes: number;
  readonly checks: readonly DemoCheck[];
  readonly durationMs: number;
}

export const DEMO_MIN_NODES = 3;
export const DEMO_MAX_NODES = 32;

/** Runs the demo and returns its report; never throws for a failed check. */
export async function runDemo(options: DemoOptions = {}): Promise<DemoReport> {
  const n = options.nodes ?? 5;
  if (!Number.isInteger(n) || n < DEMO_MIN_NODES || n > DEMO_MAX_NODES) {
    throw new RangeError(`nodes must be a whole number from ${DEMO_MIN_NODES} to ${DEMO_MAX_NODES}`);
  }
  const out = options.output ?? process.stdout;
  const display = new LiveDisplay(out, options.live === undefined ? {} : { live: options.live });
  const { signal } = options;
  const started = Date.now();
  const ctx = new DemoContext(n, options);
  const phases = [meshSteps(ctx), syncSteps(ctx), chordSteps(ctx)];
  const recorder = new CheckRecorder(display, phases.flat().length, started);

  // A live area taller than the terminal cannot be redrawn in place: then one row per network.
  display.start(() => [
    '',
    ...liveTable(ctx, (out.rows ?? 24) - 6),
    '',
    progressLine(display.spinner, recorder.checks.length, recorder.total, recorder.current, recorder.stepMs),
  ]);
  display.log(`p2p demo: ${n} mesh, ${n} sync and ${n} chord nodes in this process, over TCP on ${HOST}`);
  try {
    for (const steps of phases) {
      await recorder.runPhase(steps, signal);
      // Not on a terminal: no live area, so show each network's table once its steps are done.
      const rows = ctx.byNetwork(steps[0]!.network);
      if (!display.live && rows.length > 0) ['', ...nodeTable(rows), ''].forEach((l) => display.log(l));
      if (signal?.aborted) break;
    }
  } finally {
    recorder.current = 'closing every node';
    await ctx.closeAll();
    recorder.current = 'done';
    display.stop();
  }

  const durationMs = Date.now() - started;
  const { ok, interrupted, text } = summarize(recorder.checks, recorder.total, durationMs);
  writeLine(out, display.paint(text, ok ? 'good' : 'bad'));
  return { ok, interrupted, nodes: n, checks: recorder.checks, durationMs };
}
