// The run's tables as markdown lines (pure), to paste into docs/supported-versions.md.
import type { KillRun } from './kill-scenario.ts';
import type { RawPipeRun } from './raw-pipe.ts';

const rate = (records: number, ms: number): string => String(Math.round(records / (ms / 1000)));
const cpu = (cpuMs: number, records: number): string => ((cpuMs * 1000) / records).toFixed(1);
const ms = (value: number | null | undefined): string => (value === undefined ? '-' : value === null ? 'never' : String(Math.round(value)));

export function summaryLines(pipes: readonly RawPipeRun[], kills: readonly KillRun[]): string[] {
  const lines: string[] = [];
  if (pipes.length > 0) {
    lines.push('| client | produce records/s | produce µs CPU/record | consume records/s (join included) | consume µs CPU/record | first record after (ms) |', '|---|---|---|---|---|---|');
    for (const p of pipes) {
      lines.push(`| ${p.client} | ${rate(p.produce.records, p.produce.ms)} | ${cpu(p.produce.cpuMs, p.produce.records)} | ${rate(p.consume.records, p.consume.ms)} | ${cpu(p.consume.cpuMs, p.consume.records)} | ${Math.round(p.consume.joinMs)} |`);
    }
  }
  if (kills.length > 0) {
    lines.push('', '| variant | killed member | survivor\'s longest gap, partitions it kept (ms) | its partitions handed to the restarted member | longest gap on all its partitions (ms) | steady gap (ms) | killed member\'s partitions consumed again after (ms) | notes |', '|---|---|---|---|---|---|---|---|');
    for (const k of kills) {
      lines.push(`| ${k.variant} | ${k.mode} | ${ms(k.survivorKeptGapMs)} | ${k.survivorPartitionsMoved?.length ?? '-'} of ${k.survivorPartitions?.length ?? '-'} | ${ms(k.survivorLongestGapMs)} | ${ms(k.steadyGapMs)} | ${ms(k.killedPartitionsResumedMs)} | ${k.failures.join('; ').replaceAll('|', '/')} |`);
    }
  }
  return lines;
}
