// CPU time and memory of processes, read from /proc: the worker, the load generator, the raw
// baselines and each server of the native stack. A scenario's cost is the difference of two
// samples taken around it; a process that is gone reads as null rather than as zero.
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';

/** Linux counts utime and stime in clock ticks of 1/100 s (getconf CLK_TCK). */
const TICK_MS = 10;

export const SERVERS = ['kafka', 'registry', 'mongo', 'redis'] as const;
export type ServerName = (typeof SERVERS)[number];

/** utime + stime of a process in ms, or null when it does not exist (any more). */
export function cpuMs(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces: count fields after its closing parenthesis.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * TICK_MS; // fields 14 and 15 of stat(5)
  } catch {
    return null;
  }
}

/** Peak resident memory (VmHWM) of a process in MiB, or null. */
export function peakRssMiB(pid: number): number | null {
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Math.round(Number(match[1]) / 1024) : null;
  } catch {
    return null;
  }
}

/** The pid of each server of a stack, from `<runDir>/<server>/pid` (scripts/stack/lib.sh pid_file). */
export function serverPids(runDir = path.join(process.env['CONSENT_STACK_HOME'] ?? path.join(process.env['XDG_CACHE_HOME'] ?? path.join(homedir(), '.cache'), 'consent-worker'), 'run')): Partial<Record<ServerName, number>> {
  const pids: Partial<Record<ServerName, number>> = {};
  for (const server of SERVERS) {
    const file = path.join(runDir, server, 'pid');
    if (!existsSync(file)) continue;
    const pid = Number(readFileSync(file, 'utf8').trim());
    if (Number.isInteger(pid) && cpuMs(pid) !== null) pids[server] = pid;
  }
  return pids;
}

export interface CpuSample {
  readonly at: number;
  readonly ms: Readonly<Record<string, number | null>>;
}

/** One reading of every named process's CPU time. */
export function sample(pids: Readonly<Record<string, number | undefined>>): CpuSample {
  const ms: Record<string, number | null> = {};
  for (const [name, pid] of Object.entries(pids)) ms[name] = pid === undefined ? null : cpuMs(pid);
  return { at: Date.now(), ms };
}

/** CPU ms each process used between two samples (null when either reading is missing). */
export function cpuBetween(from: CpuSample, to: CpuSample): Record<string, number | null> {
  const used: Record<string, number | null> = {};
  for (const name of Object.keys(to.ms)) {
    const a = from.ms[name];
    const b = to.ms[name];
    used[name] = a === null || a === undefined || b === null || b === undefined ? null : b - a;
  }
  return used;
}
