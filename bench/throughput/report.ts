// The benchmark's figures: one row per measured window, printed as a table and written as JSON.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Latency } from './messages.ts';
import { SERVERS, type ServerName } from './process-cpu.ts';
import type { SustainedVerdict } from './sustained.ts';

export interface Row {
  readonly scenario: string;
  readonly kind: 'backlog' | 'open-loop' | 'raw-pipe' | 'raw-store';
  /** Commands answered (or piped, or replayed) inside the measured window. */
  readonly commands: number;
  readonly seconds: number;
  readonly commandsPerS: number;
  readonly latencyMs?: Latency;
  /** CPU of the process under test per command: the worker, or the raw baseline's own process. */
  readonly ownCpuMsPerCommand: number | null;
  readonly serverCpuMsPerCommand: Readonly<Record<ServerName, number | null>>;
  /** The same less the servers' idle-time CPU measured before the run (other people's work), for comparison. */
  readonly serverCpuMsPerCommandLessBackground?: Readonly<Record<ServerName, number | null>>;
  readonly workerPeakRssMiB?: number | null;
  /** From the worker's spawn to its first result (includes joining the consumer group). */
  readonly workerStartupMs?: number;
  readonly statuses?: Readonly<Record<string, number>>;
  readonly storeOps?: number;
  readonly storeErrors?: number;
  /** This row's commands/s over the raw baselines' of the same records or writes. */
  readonly vsRawStore?: number | null;
  readonly vsRawPipe?: number | null;
  /** Sustained rows: whether the worker kept up with the offered rate (sustained.ts). */
  readonly sustained?: SustainedVerdict;
  readonly complete: boolean;
  readonly notes?: readonly string[];
}

const round = (value: number, digits: number): number => Math.round(value * 10 ** digits) / 10 ** digits;

/** ms of CPU per command over a window, two decimals; null when unknown or nothing was done. */
export function perCommand(cpuMs: number | null | undefined, commands: number): number | null {
  if (cpuMs === null || cpuMs === undefined || commands <= 0) return null;
  return round(cpuMs / commands, 3);
}

export function ratio(a: number, b: number | null | undefined): number | null {
  return b ? round(a / b, 2) : null;
}

const SERVER_LABEL: Record<ServerName, string> = { kafka: 'kafka', registry: 'registry', mongo: 'mongo', redis: 'redis' };

function cell(value: number | null | undefined, digits = 2): string {
  return value === null || value === undefined ? '—' : value.toFixed(digits);
}

/** The table: fixed-width columns, one line per row. */
export function formatTable(rows: readonly Row[]): string {
  const header = ['scenario', 'cmds/s', 'p50/p99/max ms', 'own ms/cmd', ...SERVERS.map((s) => `${SERVER_LABEL[s]} ms/cmd`), 'RSS MiB', 'start s', '÷store', '÷pipe'];
  const lines = rows.map((row) => [
    `${row.scenario}${row.complete ? '' : ' (INCOMPLETE)'}`,
    row.commandsPerS.toFixed(0),
    row.latencyMs ? `${row.latencyMs.p50 ?? '—'}/${row.latencyMs.p99 ?? '—'}/${row.latencyMs.max ?? '—'}` : '—',
    cell(row.ownCpuMsPerCommand),
    ...SERVERS.map((s) => cell(row.serverCpuMsPerCommand[s])),
    row.workerPeakRssMiB === undefined || row.workerPeakRssMiB === null ? '—' : String(row.workerPeakRssMiB),
    row.workerStartupMs === undefined ? '—' : (row.workerStartupMs / 1_000).toFixed(1),
    cell(row.vsRawStore),
    cell(row.vsRawPipe),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] as string).length)));
  const format = (cells: readonly string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] as number) : c.padStart(widths[i] as number))).join('  ');
  return [format(header), widths.map((w) => '-'.repeat(w)).join('  '), ...lines.map(format)].join('\n');
}

export function writeJson(report: Record<string, unknown> & { date: string; stack: string }): string {
  const dir = path.join(import.meta.dirname, '..', 'results');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `throughput-${report.stack === 'plain' ? '' : `${report.stack}-`}${report.date.replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  return file;
}
