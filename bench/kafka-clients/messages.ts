// What the benchmark's child processes tell the parent over IPC.
import type { ClientName, GroupSetting } from './bench-client.ts';

export interface RawPipeSettings {
  readonly client: ClientName;
  readonly brokers: readonly string[];
  readonly topic: string;
  readonly groupId: string;
  readonly records: number;
  readonly recordBytes: number;
  /** Records per produce request set; each is awaited (acks=all) before the next. */
  readonly batch: number;
  readonly maxWaitMs: number;
  readonly timeoutMs: number;
}

export interface PhaseCost {
  readonly records: number;
  /** Wall time of the phase (for consuming: from the consumer's start, its group join included, to the last record). */
  readonly ms: number;
  /** The child's own CPU (user + system, process.cpuUsage) over the phase, joining included. */
  readonly cpuMs: number;
}

export interface RawPipeResult {
  readonly op: 'raw-pipe';
  readonly produce: PhaseCost;
  readonly consume: PhaseCost & { readonly joinMs: number };
}

export interface MemberSettings {
  readonly client: ClientName;
  readonly brokers: readonly string[];
  readonly member: string;
  readonly group: GroupSetting;
}

export type FromMember =
  | { readonly op: 'joined'; readonly member: string }
  /** [partition, epoch ms] of each hand-over since the last message. */
  | { readonly op: 'receipts'; readonly member: string; readonly receipts: readonly (readonly [number, number])[] }
  | { readonly op: 'failed'; readonly member: string; readonly error: string };
