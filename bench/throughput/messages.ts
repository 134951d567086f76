// What main.ts and its child processes tell each other over the IPC channel (process.send).
import type { CommandSpec } from './commands.ts';

export interface Latency {
  readonly count: number;
  readonly p50: number | null;
  readonly p99: number | null;
  readonly max: number | null;
}

/** What the load generator saw of one labelled set of commands. */
export interface LabelStats {
  readonly label: string;
  readonly sent: number;
  readonly answered: number;
  /** When the first and the last result arrived (ms since the epoch). */
  readonly firstAt: number | null;
  readonly lastAt: number | null;
  readonly statuses: Readonly<Record<string, number>>;
  /** Mean size of a result record's value, and events (count, mean value size) per command. */
  readonly resultBytes: number;
  readonly eventsPerCommand: number;
  readonly eventBytes: number;
  /** From the send to the result's arrival; meaningful for open-loop phases only. */
  readonly latencyMs: Latency;
  /**
   * For open-loop phases: when sending started and ended, how far behind the schedule it fell, and
   * how many commands were answered when the last was sent (what the worker owed then: sent − that).
   */
  readonly sending?: { readonly startedAt: number; readonly endedAt: number; readonly maxBehindMs: number; readonly answeredWhenEnded: number };
}

export type ToGenerator =
  | { readonly op: 'send'; readonly label: string; readonly specs: readonly CommandSpec[]; readonly mix: boolean }
  | { readonly op: 'await'; readonly label: string; readonly timeoutMs: number }
  | { readonly op: 'open'; readonly label: string; readonly spec: CommandSpec; readonly rate: number; readonly seconds: number; readonly timeoutMs: number }
  | { readonly op: 'stop' };

export type FromGenerator =
  | { readonly op: 'ready' }
  | { readonly op: 'sent'; readonly label: string; readonly count: number; readonly ms: number }
  | { readonly op: 'first'; readonly label: string; readonly at: number }
  | { readonly op: 'progress'; readonly label: string; readonly answered: number; readonly sent: number }
  | { readonly op: 'last'; readonly label: string; readonly at: number }
  | { readonly op: 'done'; readonly label: string; readonly stats: LabelStats; readonly complete: boolean }
  | { readonly op: 'error'; readonly message: string };

/** Raw baselines report the window they measured and their own CPU. */
export type FromBaseline =
  | { readonly op: 'segment-start'; readonly name: string; readonly at: number }
  | { readonly op: 'segment-end'; readonly name: string; readonly at: number; readonly ops: number; readonly errors: number }
  | { readonly op: 'progress'; readonly text: string }
  | { readonly op: 'error'; readonly message: string };

/** Nearest-rank percentiles of a list of durations. */
export function latencyOf(values: readonly number[]): Latency {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number): number | null =>
    sorted.length === 0 ? null : (sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] as number);
  return { count: sorted.length, p50: at(0.5), p99: at(0.99), max: sorted.length ? (sorted[sorted.length - 1] as number) : null };
}
