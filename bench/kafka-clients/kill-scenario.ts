// The kill scenario for one variant: two members share a topic fed at a steady rate; once they
// have split its partitions, one is killed with SIGKILL (and, in `restarted` mode, started again
// at once under the same name and instance id). Measured from the members' receipts: the
// survivor's longest gap on its own partitions and when the killed member's were consumed again.
import type { Kafka } from 'kafkajs';
import { pollUntil, sleep } from '../../src/wait/sleep.ts';
import type { GroupSetting } from './bench-client.ts';
import { createTopic, deleteTopic, startSteadyProducer } from './broker.ts';
import { forkMember, type MemberProcess } from './fork-member.ts';
import type { FromMember } from './messages.ts';
import { survivorPause } from '../../test/faults/survivor-pause.ts';
import { isSplit, killOutcome, ownersBetween, type KillOutcome, type Receipt } from './receipts.ts';
import type { GroupVariant, KillMode } from './variants.ts';

export interface KillSettings {
  readonly brokers: readonly string[];
  readonly partitions: number;
  readonly perSecond: number;
  readonly recordBytes: number;
  /** Classic protocol only (KIP-848's session is the broker's). */
  readonly sessionTimeoutMs: number;
  readonly heartbeatIntervalMs: number;
  /** How long the members may take to split the partitions before the run counts as failed. */
  readonly settleTimeoutMs: number;
  /** How long after the kill the killed member's partitions may take to be consumed again. */
  readonly observeMs: number;
  /** Watched after they are, for a later stall (a rebalance the restarted member starts). */
  readonly tailMs: number;
  readonly logFile: string;
}

export interface KillRun extends Partial<KillOutcome> {
  readonly variant: string;
  readonly mode: KillMode;
  /** The survivor's longest gap on its own partitions in the 3 s before the kill: the steady state. */
  readonly steadyGapMs?: number;
  readonly settleMs?: number;
  readonly failures: readonly string[];
}

const WINDOW_MS = 2_000;
const STEADY_MS = 3_000;

function groupSetting(variant: GroupVariant, settings: KillSettings, topic: string, member: string): GroupSetting {
  return {
    groupId: topic, topic, protocol: variant.protocol, assignor: variant.assignor,
    groupInstanceId: variant.staticMembership ? `${topic}-${member}` : null,
    sessionTimeoutMs: settings.sessionTimeoutMs, heartbeatIntervalMs: settings.heartbeatIntervalMs,
    rebalanceTimeoutMs: 60_000, maxWaitMs: 100, autocommitIntervalMs: 500,
  };
}

/** Waits until A and B have each consumed only their own share of the partitions for STEADY_MS. */
async function settle(receipts: readonly Receipt[], partitions: number, timeoutMs: number): Promise<boolean> {
  let since: number | null = null;
  const settled = await pollUntil(async () => {
    const now = Date.now();
    const split = isSplit(ownersBetween(receipts, now - WINDOW_MS, now), ['A', 'B'], partitions);
    since = split ? (since ?? now) : null;
    return since !== null && now - since >= STEADY_MS ? true : undefined;
  }, { deadline: Date.now() + timeoutMs, intervalMs: 250 });
  return settled === true;
}

export async function runKill(kafka: Kafka, variant: GroupVariant, mode: KillMode, settings: KillSettings, topic: string): Promise<KillRun> {
  const receipts: Receipt[] = [];
  const failures: string[] = [];
  const onMessage = (message: FromMember): void => {
    if (message.op === 'receipts') for (const [partition, at] of message.receipts) receipts.push({ member: message.member, partition, at });
    if (message.op === 'failed') failures.push(`${message.member}: ${message.error}`);
  };
  // The restarted member reports as B2, so its receipts never count as the killed one's.
  const start = (member: string, name = member): MemberProcess => forkMember(
    { client: variant.client, brokers: settings.brokers, member: name, group: groupSetting(variant, settings, topic, member) }, settings.logFile, onMessage);
  await createTopic(kafka, topic, settings.partitions);
  const producer = await startSteadyProducer(kafka, topic, settings.partitions, settings.perSecond, settings.recordBytes);
  const members = [start('A'), start('B')];
  const startedAt = Date.now();
  try {
    if (!(await settle(receipts, settings.partitions, settings.settleTimeoutMs))) {
      return { variant: variant.id, mode, failures: [...failures, `A and B did not split the ${settings.partitions} partitions within ${settings.settleTimeoutMs} ms`] };
    }
    const killedAt = Date.now();
    const before = ownersBetween(receipts, killedAt - WINDOW_MS, killedAt);
    members[1]?.kill();
    if (mode === 'restarted') members.push(start('B', 'B2'));
    const steadyGapMs = survivorPause(receipts, [], [...(before.get('A') ?? [])], killedAt - STEADY_MS, killedAt).ownGapMs;
    await pollUntil(async () => (killOutcome(receipts, before, 'A', 'B', killedAt, Date.now()).killedPartitionsResumedMs === null ? undefined : true),
      { deadline: killedAt + settings.observeMs, intervalMs: 100 });
    await sleep(settings.tailMs);
    const outcome = killOutcome(receipts, before, 'A', 'B', killedAt, Date.now());
    return { variant: variant.id, mode, settleMs: killedAt - startedAt, steadyGapMs, ...outcome, failures };
  } finally {
    for (const member of members) member.kill();
    await producer.stop();
    await deleteTopic(kafka, topic);
  }
}
